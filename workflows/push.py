"""Push notifications: the phones registered, the outbox, and the worker delivering it.

Sending never happens inside the request that caused it. The request notes the event
(workflows.notifications), which calls `PushOutbox.enqueue`: one outbox entry per phone
of the recipient (models.push_outbox), written in one insert, and a nudge to the worker.
The worker (`PushWorker.run`, a background task of the process) claims due entries one
by one with a lease and delivers at most `concurrency` at once through FCM (kit.fcm):

- accepted: the entry is marked sent;
- UNREGISTERED / INVALID_ARGUMENT token: the phone is forgotten, with its other
  pending entries;
- 429 or 5xx (or no answer): tried again after FCM's `Retry-After`, or an exponential
  back-off, up to `max_attempts`;
- anything else: given up, the error kept on the entry.

A worker that dies mid-delivery (a crash, a deploy) leaves its entries leased; once the
lease runs out any worker, on this machine or another, claims them again. So delivery
is at least once, and each message carries a collapse key (its notification's id) so a
phone shows a repeat in place of the first.

What a push says is composed when it is sent, from public facts only (rules.push_texts):
the actor's pseudo and, for likes, how many liked by then. An entry whose notification
was withdrawn meanwhile (an unlike) is not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
from datetime import timedelta

from beanie import PydanticObjectId

from kit.clock import utcnow
from kit.fcm import FcmClient, Sent
from models.device import PLATFORMS
from models.notification import LIKE, Event
from models.push_outbox import DROPPED, FAILED, KEEP_FOR, PushEntry, PushEntryDocument
from models.registry import Repositories
from rules.push_texts import TITLE, push_text
from workflows.errors import InvalidInput

log = logging.getLogger(__name__)

TOKEN_MAX = 4096
_TOKEN = re.compile(rf"[\x21-\x7e]{{1,{TOKEN_MAX}}}")  # printable ASCII, no spaces
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}")


class Devices:
    """Registering phones, and forgetting them (with what was waiting for them)."""

    def __init__(self, repos: Repositories) -> None:
        self._repos = repos

    async def register(
        self, user_id: PydanticObjectId, token: str, platform: str, locale: str | None
    ) -> None:
        if _TOKEN.fullmatch(token) is None:
            raise InvalidInput("token", f"must be 1 to {TOKEN_MAX} printable ASCII characters")
        if platform not in PLATFORMS:
            raise InvalidInput("platform", "must be one of " + ", ".join(PLATFORMS))
        if locale is not None and _LOCALE.fullmatch(locale) is None:
            raise InvalidInput("locale", "must be a language tag such as fr-FR or en")
        await self._repos.devices.register(user_id, token, platform, locale)

    async def unregister(self, user_id: PydanticObjectId, token: str) -> None:
        if await self._repos.devices.unregister(user_id, token):
            await self._repos.push_outbox.delete_for_tokens([token])

    async def drop_all(self, user_id: PydanticObjectId) -> None:
        """No more pushes to any phone of the user: a log-out everywhere, a password
        reset, an account's erasure."""
        await self._repos.devices.drop_all_of(user_id)
        await self._repos.push_outbox.delete_for_user(user_id)


def collapse_key(event: Event, entry_id: PydanticObjectId | None) -> str:
    """The notification's id (so a LIKE group's later push replaces the earlier one);
    without an inbox entry, a digest of the recipient and the event's group."""
    if entry_id is not None:
        return str(entry_id)
    return hashlib.sha256(f"{event.user_id}:{event.group_key}".encode()).hexdigest()[:24]


class PushOutbox:
    """What workflows.notifications hands a noted event to (its `Pusher`)."""

    def __init__(self, repos: Repositories, worker: PushWorker | None = None) -> None:
        self._repos = repos
        self._worker = worker

    async def enqueue(self, event: Event, entry_id: PydanticObjectId | None) -> None:
        devices = await self._repos.devices.of(event.user_id)
        if not devices:
            return
        now = utcnow()
        key = collapse_key(event, entry_id)
        await self._repos.push_outbox.add(
            [
                PushEntryDocument(
                    user_id=event.user_id,
                    token=device.token,
                    platform=device.platform,
                    locale=device.locale,
                    kind=event.kind,
                    actor_id=event.actor,
                    notification_id=entry_id,
                    video_id=event.video_id,
                    comment_id=event.comment_id,
                    collapse_key=key,
                    run_after=now,
                    created_at=now,
                    expires_at=now + KEEP_FOR,
                )
                for device in devices
            ]
        )
        if self._worker is not None:
            self._worker.kick()


class PushWorker:
    def __init__(
        self,
        repos: Repositories,
        client: FcmClient,
        *,
        concurrency: int = 8,
        lease: timedelta = timedelta(seconds=60),
        poll_seconds: float = 5.0,
        max_attempts: int = 8,
        max_backoff: timedelta = timedelta(minutes=15),
    ) -> None:
        self._repos = repos
        self._client = client
        self.concurrency = concurrency
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.max_backoff = max_backoff
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._grace = 2.0
        self._active = False  # whether `run` runs
        self._ended = asyncio.Event()

    def kick(self) -> None:
        """Look for due entries now rather than at the next poll."""
        self._wake.set()

    async def stop(self, grace_seconds: float = 2.0) -> None:
        """Claim nothing more; `run` returns once the deliveries under way end (those
        still running after `grace_seconds` are cancelled: their leases run out, and
        they are sent again after the next start)."""
        self._grace = grace_seconds
        self._stopping.set()
        self._wake.set()
        if self._active:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ended.wait(), timeout=grace_seconds + 1)

    async def run(self) -> None:
        """Deliver due entries, at most `concurrency` at once, until stopped or cancelled."""
        slots = asyncio.Semaphore(self.concurrency)
        running: set[asyncio.Task[None]] = set()
        self._active = True
        self._ended = asyncio.Event()
        try:
            while not self._stopping.is_set():
                await slots.acquire()
                if self._stopping.is_set():
                    break
                try:
                    entry = await self._repos.push_outbox.claim(utcnow(), self.lease)
                except Exception:
                    log.exception("push outbox unreachable, trying again shortly")
                    entry = None
                if entry is None:
                    slots.release()
                    await self._idle()
                    continue
                task = asyncio.create_task(self._deliver_in(slots, entry))
                running.add(task)
                task.add_done_callback(running.discard)
            if running:
                await asyncio.wait(set(running), timeout=self._grace)
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            self._active = False
            self._ended.set()

    async def _idle(self) -> None:
        self._wake.clear()
        if self._stopping.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

    async def _deliver_in(self, slots: asyncio.Semaphore, entry: PushEntry) -> None:
        try:
            await self.deliver(entry)
        except Exception:
            log.exception("push delivery failed entry=%s", entry.id)
        finally:
            slots.release()

    async def deliver(self, entry: PushEntry) -> None:
        """Send one claimed entry and record what FCM said."""
        outbox = self._repos.push_outbox
        text = await self._text(entry)
        if text is None:
            await outbox.give_up(entry, DROPPED, "withdrawn")
            return
        sent = await self._client.send(message_for(entry, text))
        if sent.accepted:
            await outbox.sent(entry, sent.name, utcnow())
        elif sent.drop_token:
            await outbox.give_up(entry, DROPPED, sent.error)
            await self._repos.devices.drop_token(entry.token)
            await outbox.drop_pending_for_token(entry.token)
        elif sent.retryable and entry.attempts < self.max_attempts:
            await outbox.retry(entry, utcnow() + self._wait(entry, sent), _why(sent))
        else:
            await outbox.give_up(entry, FAILED, _why(sent))

    def _wait(self, entry: PushEntry, sent: Sent) -> timedelta:
        if sent.retry_after is not None:
            return timedelta(seconds=sent.retry_after)
        return min(timedelta(seconds=2**entry.attempts), self.max_backoff)

    async def _text(self, entry: PushEntry) -> str | None:
        """The push's text now; None when its notification was withdrawn meanwhile."""
        count = 1
        if entry.notification_id is not None:
            actors = await self._repos.notifications.actor_count(entry.notification_id)
            if actors is None:
                return None
            count = max(1, actors) if entry.kind == LIKE else 1
        pseudo = None
        if entry.actor_id is not None:
            cards = await self._repos.users.cards([entry.actor_id])
            pseudo = cards[0].pseudo if cards else None
        return push_text(entry.kind, entry.locale, pseudo, count)


def message_for(entry: PushEntry, text: str) -> dict[str, object]:
    """The FCM v1 message: the text, what the app opens, and the collapse key for
    Android (`collapse_key`, the notification's `tag`) and APNs (`apns-collapse-id`)."""
    data = {
        "kind": entry.kind,
        "notification_id": str(entry.notification_id or ""),
        "video_id": str(entry.video_id or ""),
        "comment_id": str(entry.comment_id or ""),
    }
    return {
        "token": entry.token,
        "notification": {"title": TITLE, "body": text},
        "data": {key: value for key, value in data.items() if value},
        "android": {
            "collapse_key": entry.collapse_key,
            "notification": {"tag": entry.collapse_key},
        },
        "apns": {"headers": {"apns-collapse-id": entry.collapse_key}},
    }


def _why(sent: Sent) -> str:
    return f"{sent.status} {sent.error or ''}".strip()
