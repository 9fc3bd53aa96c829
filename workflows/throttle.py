"""Throttling of log-ins and sign-ups: sliding windows with exponential back-off.

Each attempt is recorded *before* the password is checked, then ranked among the
attempts on the same key: its fate depends only on the attempts recorded before it.
So concurrent requests (or aliased mutations in one request) cannot slip through
together, and a refused attempt is forgotten at once, so hammering does not extend the
lock-out of the account's owner: once the failures leave the window, they can log in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bson import ObjectId

from kit.clock import utcnow
from models.auth_attempt import AuthAttemptRepository
from workflows.errors import Throttled


@dataclass(frozen=True, slots=True)
class Rule:
    """`free` attempts per `window`; beyond that each one waits twice as long as the last."""

    name: str
    free: int
    window: timedelta
    base_delay: timedelta = timedelta(seconds=1)
    max_delay: timedelta = timedelta(minutes=15)

    @property
    def kept(self) -> int:
        """Attempts to remember: the free ones plus enough back-off steps to reach the cap
        (2^16 s is far beyond any sensible `max_delay`)."""
        return self.free + 16

    def retry_after(self, earlier: Sequence[datetime], now: datetime) -> float:
        """Seconds before one more attempt is allowed, given the earlier ones in the window."""
        excess = len(earlier) - self.free
        if excess < 0:
            return 0.0
        delay: timedelta = min(self.base_delay * (2**excess), self.max_delay)
        remaining: float = (earlier[-1] + delay - now).total_seconds()
        return max(0.0, remaining)


@dataclass(frozen=True, slots=True)
class Rules:
    """Log-in attempts are limited three ways:

    - per account *from one address*, tightly: guessing one password from one place;
    - per account from anywhere, loosely: a distributed guess. Kept well above the first
      so that an attacker who knows an email cannot lock its owner out from elsewhere;
    - per address, across accounts: one place trying many accounts.
    """

    login_account: Rule
    login_account_total: Rule
    login_address: Rule
    signup_address: Rule
    # Password reset mails: a few per address (e-mail) and per client address, then
    # minutes apart, so nobody can flood a mailbox through the API.
    reset_account: Rule = Rule("reset-account", 3, timedelta(hours=1), timedelta(minutes=1))
    reset_address: Rule = Rule("reset-ip", 20, timedelta(hours=1), timedelta(minutes=1))
    # Reports per account: enough for a bad evening, not for flooding the moderators.
    report_account: Rule = Rule("report-account", 30, timedelta(hours=1))
    # Log-ins from a known device (kit/tokens.py's device tokens) count against that
    # device alone: guessers elsewhere, however many, never reach the owner's bucket.
    login_device: Rule = Rule("login-device", 5, timedelta(minutes=15))

    @classmethod
    def from_limits(
        cls,
        *,
        login_attempts_per_account: int,
        login_attempts_per_account_total: int,
        login_attempts_per_address: int,
        signups_per_address: int,
        reports_per_hour: int = 30,
    ) -> Rules:
        """Log-ins counted over 15 minutes, sign-ups and reports over an hour."""
        window = timedelta(minutes=15)
        return cls(
            login_account=Rule("login-account", login_attempts_per_account, window),
            login_account_total=Rule("login-account-any", login_attempts_per_account_total, window),
            login_address=Rule("login-ip", login_attempts_per_address, window),
            signup_address=Rule("signup-ip", signups_per_address, timedelta(hours=1)),
            report_account=Rule("report-account", reports_per_hour, timedelta(hours=1)),
        )

    def login_checks(
        self, account: str, address: str, device: str | None = None
    ) -> list[tuple[Rule, str]]:
        """A log-in's checks; from a known `device`, only that device's own bucket."""
        if device is not None:
            return [(self.login_device, f"{account}|{device}")]
        return [
            (self.login_account, f"{account}|{address}"),
            (self.login_account_total, account),
            (self.login_address, address),
        ]

    def session_checks(self, account: str, address: str) -> list[tuple[Rule, str]]:
        """A password asked of someone already signed in (changing it, deleting the
        account): guessed only by whoever holds the session, so counted per account and
        address, never in buckets that guessers elsewhere fill."""
        return [(self.login_account, f"{account}|{address}")]

    def reset_checks(self, account: str, address: str) -> list[tuple[Rule, str]]:
        return [(self.reset_account, account), (self.reset_address, address)]

    def login_resets(self, account: str, address: str, device: str | None = None) -> list[str]:
        """Keys a successful log-in clears: the owner proved who they are."""
        keys = [
            Throttle.key(self.login_account, f"{account}|{address}"),
            Throttle.key(self.login_account_total, account),
        ]
        if device is not None:
            keys.append(Throttle.key(self.login_device, f"{account}|{device}"))
        return keys


@dataclass(slots=True)
class Reservation:
    """The attempts recorded for one request; settle it with `succeeded` or `failed`."""

    throttle: Throttle
    ids: dict[str, ObjectId] = field(default_factory=dict)

    async def succeeded(self, *, reset: Sequence[str] = ()) -> None:
        """A success is no failure: drop this attempt, and clear the `reset` keys."""
        await self.throttle.release(self.ids)
        for key in reset:
            await self.throttle.repo.clear(key)

    async def failed(self) -> None:
        """Keep the attempts: they count against the next ones until they leave the window."""


class Throttle:
    def __init__(self, repo: AuthAttemptRepository, rules: Rules) -> None:
        self.repo = repo
        self.rules = rules

    @staticmethod
    def key(rule: Rule, subject: str) -> str:
        return f"{rule.name}:{subject}"

    async def reserve(self, checks: Sequence[tuple[Rule, str]]) -> Reservation:
        """Record one attempt per (rule, subject); raise Throttled if any is over."""
        reservation = Reservation(self)
        now = utcnow()
        wait = 0.0
        for rule, subject in checks:
            key = self.key(rule, subject)
            own = ObjectId()
            reservation.ids[key] = own
            attempts = await self.repo.append(key, own, now, now + rule.window, rule.kept)
            earlier = [a.at for a in attempts[:-1] if a.at > now - rule.window]
            wait = max(wait, rule.retry_after(earlier, now))
        if wait > 0:
            await self.release(reservation.ids)
            seconds = math.ceil(wait)
            raise Throttled(f"too many attempts, try again in {seconds} s", seconds)
        return reservation

    async def forget_account(self, account: str, user_id: str | None = None) -> int:
        """Delete every throttle entry keyed on one account (its normalized e-mail, and
        its user id: reports sent, upload tickets): what an account deletion erases.
        Per-address entries name no account and stay until their window ends."""
        rules = self.rules
        keys = [
            self.key(rules.login_account_total, account),
            self.key(rules.reset_account, account),
        ]
        if user_id is not None:
            keys += [self.key(rules.report_account, user_id), f"upload:{user_id}"]
        erased = await self.repo.clear_keys(keys)
        # Per account *and* address (or device): "login-account:<account>|<address>".
        erased += await self.repo.clear_prefix(self.key(rules.login_device, account) + "|")
        return erased + await self.repo.clear_prefix(self.key(rules.login_account, account) + "|")

    async def release(self, ids: dict[str, ObjectId]) -> None:
        for key, attempt_id in ids.items():
            await self.repo.remove(key, attempt_id)
