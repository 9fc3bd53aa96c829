"""How much a report weighs toward hiding a video before a moderator looks.

Heads are cheap (an address may sign up dozens of accounts an hour), standing is not.
A report weighs its reporter's standing when they make it:

- 0 for an account younger than `ESTABLISHED_AFTER` (a day) or whose e-mail is not
  verified: no number of fresh or throwaway accounts ever hides anything;
- 1 for an established account (a week old, or one that shows published content
  nothing removed), 0.5 for a younger one without such content;
- halved when moderation removed content of theirs;
- times (upheld + 1) / (upheld + dismissed + 1) of their past reports moderators judged:
  a reporter whose reports keep being dismissed weighs less each time (one dismissal
  halves it), and upheld reports earn it back. Never more than 1.

Then the reports of a case's round are grouped: reports from one network (the exact
IPv4 address, the /64 of an IPv6 one) or from accounts made within `MADE_TOGETHER` (an
hour) of each other are one group, which counts as its heaviest report. The video is
hidden when the groups' sum reaches `REPORT_WEIGHT_TO_HIDE` (3: three established
climbers from three places, made at three times).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

from beanie import PydanticObjectId

from models.report import WeighedReport

ESTABLISHED_AFTER = timedelta(days=1)
SEASONED_AFTER = timedelta(days=7)
MADE_TOGETHER = timedelta(hours=1)
DEFAULT_WEIGHT_TO_HIDE = 3.0
# The reports of one round read to weigh it: past this many, later ones add nothing (a
# video this many climbers report is in the queue already, and the sum is long reached
# unless they are fresh accounts, which weigh nothing anyway).
ROUND_READ_MAX = 200


@dataclass(frozen=True, slots=True)
class Standing:
    created_at: datetime
    email_verified: bool
    shows_content: bool  # a public video of theirs nothing hides
    content_removed: bool  # moderation hid a video of theirs
    upheld: int
    dismissed: int


def weight_of(standing: Standing, now: datetime) -> float:
    age = now - standing.created_at
    if not standing.email_verified or age < ESTABLISHED_AFTER:
        return 0.0
    weight = 1.0 if age >= SEASONED_AFTER or standing.shows_content else 0.5
    if standing.content_removed:
        weight /= 2
    weight *= (standing.upheld + 1) / (standing.upheld + standing.dismissed + 1)
    # Not rounded: each dismissal must lower it, however many came before.
    return min(weight, 1.0)


def origin_of(address: str, target_id: PydanticObjectId) -> str:
    """The report's network, hashed with its target: two reports on one target from one
    network share it; nothing links reports on two targets, nor gives the address back."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        network = address
    else:
        if isinstance(ip, ipaddress.IPv6Address):
            mapped = ip.ipv4_mapped
            network = str(mapped or ipaddress.IPv6Network((ip, 64), strict=False))
        else:
            network = str(ip)
    return hashlib.sha256(f"{target_id}|{network}".encode()).hexdigest()[:32]


def round_weight(reports: Sequence[WeighedReport]) -> float:
    """The sum, over groups of reports from one network or from accounts made together,
    of each group's heaviest report."""
    parent = list(range(len(reports)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    by_origin: dict[str, int] = {}
    for i, report in enumerate(reports):
        if report.origin is not None:
            join(i, by_origin.setdefault(report.origin, i))
    made = sorted(
        (report.reporter_created_at, i)
        for i, report in enumerate(reports)
        if report.reporter_created_at is not None
    )
    for (earlier, i), (later, j) in pairwise(made):
        if later - earlier < MADE_TOGETHER:
            join(i, j)
    heaviest: dict[int, float] = {}
    for i, report in enumerate(reports):
        group = root(i)
        heaviest[group] = max(heaviest.get(group, 0.0), report.weight)
    return round(sum(heaviest.values()), 3)
