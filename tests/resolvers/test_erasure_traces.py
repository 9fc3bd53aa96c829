"""An erased account leaves no trace (issue 23): not as a gym's creator, not as the text
of its reports on the cases moderators read, not in the throttle's keys. Checked by
class: once the erasure ran, no document of any collection but the erasure's own record
holds the account's id or anything it wrote."""

from __future__ import annotations

import string
from typing import Any

from bson import ObjectId, json_util
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.resolvers.test_account_deletion import _erased
from tests.support.accounts import DELETE_ACCOUNT, eventually
from tests.support.client import CREATE_UPLOAD, Api
from tests.support.safety import REPORT_USER, report_video
from tests.support.videos import post_video

CREATE_GYM = "mutation G($n: String!, $l: String) { createGym(name: $n, location: $l) { id } }"
# The erasure's own record names whom it erased, until it is done with them.
_EXEMPT = {"account_deletions"}

# Told apart: what the leaver wrote in capitals, the gym's name in small letters.
_secrets = st.text(alphabet=string.ascii_uppercase, min_size=6, max_size=12)
_names = st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=12)


async def _traces(db: Any, needles: list[str]) -> list[tuple[str, str]]:
    found = []
    for name in await db.list_collection_names():
        if name in _EXEMPT or name.startswith("system."):
            continue
        async for document in db[name].find({}):
            text = json_util.dumps(document)
            found += [(name, needle) for needle in needles if needle in text]
    return found


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(secret=_secrets, gym=_names)
async def test_an_erased_account_leaves_no_trace(api: Api, db: Any, secret: str, gym: str) -> None:
    leaver, author, other = await api.signup(), await api.signup(), await api.signup()
    gym = f"{gym} {leaver.pseudo}"  # the examples share one database: one gym each
    words = f"written by the leaver {secret}"
    await api.data(CREATE_GYM, {"n": f"Gym {gym}", "l": "Lyon"}, leaver.token)
    video = await post_video(api, author)
    await report_video(api, leaver, video["id"], "OTHER", words)
    await report_video(api, other, video["id"], "OTHER", "the other climber's words")
    await api.data(REPORT_USER, {"id": author.id, "reason": "OTHER", "details": words + " again"},
                   leaver.token)  # fmt: skip
    await api.data(CREATE_UPLOAD, {"kind": "PHOTO", "type": "image/jpeg", "size": 10},
                   leaver.token)  # fmt: skip
    assert await _traces(db, [leaver.id, secret])  # the traces are there to be erased

    await api.data(DELETE_ACCOUNT, {"password": leaver.password}, leaver.token)
    await eventually(lambda: _erased(db, leaver.id))

    assert await _traces(db, [leaver.id, secret, leaver.email]) == []
    # What others did stays: the gym, the other report's words, the cases' counts.
    assert await db.gyms.count_documents({"name": f"Gym {gym}"}) == 1
    case = await db.report_cases.find_one({"target_id": ObjectId(video["id"])})
    assert case["report_count"] == 2
    assert [note["details"] for note in case["details"]] == ["the other climber's words"]
