"""Moderation: what moderators (and enough reports) do to reported content and climbers.

One place for every action, so the rules hold whoever calls them (the GraphQL layer,
a test, an operator's shell):

- HIDE / RESTORE a video or a comment: the `moderation` reason on it (models.audience
  hides it from everyone but its author and moderators);
- DISMISS: the reports are closed, the content stays;
- SUSPEND_USER: `suspended` on the user and, in one update each, on all their videos
  and comments (a
  video whose post was in flight gets it as it lands: `settle_new_video`); their
  token version bumped, so every token of theirs is refused from the next request
  (this machine forgets its cached version at once); log-in answers ACCOUNT_SUSPENDED.
  The account stays, so its pseudo stays taken;
- REINSTATE_USER: the reverse (a video also hidden by moderation stays hidden).

Every action closes its case (and records the reporters' verdict, workflows.report_weight)
and appends one entry to the moderation log; whose content was hidden or restored is told
(a MODERATION notification), and so are the reporters when the action took something down
(HIDE, SUSPEND_USER). A decision is a record of work to finish (models.moderation_action)
written before anything else, then carried out in steps (act, close, log, tell), each
noted: a crash between two leaves the record unfinished, and `sweep` (at every start, then
every few minutes) carries it to its end, as account deletions are resumed. Every step but
the last is idempotent; a notification told twice after a crash is the price of telling
at least once.
"""

from __future__ import annotations

from datetime import timedelta

from beanie import PydanticObjectId

from kit.clock import utcnow
from models.audience import MODERATION, SUSPENDED
from models.moderation_action import ModerationActionDocument
from models.moderation_log import ModerationLogEntry
from models.registry import Repositories
from models.report import COMMENT, DISMISSED, UPHELD, VIDEO, ReportCaseDocument
from workflows.errors import InvalidInput, Missing, Refused
from workflows.events import Events
from workflows.token_versions import TokenVersions

HIDE = "HIDE"
RESTORE = "RESTORE"
DISMISS = "DISMISS"
SUSPEND_USER = "SUSPEND_USER"
REINSTATE_USER = "REINSTATE_USER"
ACTIONS = (HIDE, RESTORE, DISMISS, SUSPEND_USER, REINSTATE_USER)
# An unfinished record younger than this may still be in the hands of the request that
# wrote it; the sweep leaves it alone.
IN_FLIGHT = timedelta(minutes=1)
_SWEEP_BATCH = 100
# A decision's steps, in order: the change itself, the case closed (and the reporters'
# verdict), the log entry, the notifications.
STEPS = ("act", "close", "log", "tell")
# The reporters' track record (workflows.report_weight): the first judgement stands.
VERDICTS = {HIDE: UPHELD, SUSPEND_USER: UPHELD, DISMISS: DISMISSED, RESTORE: DISMISSED}


class Moderation:
    def __init__(
        self,
        repos: Repositories,
        token_versions: TokenVersions,
        events: Events,
    ) -> None:
        self._repos = repos
        self._token_versions = token_versions
        self._events = events  # told what a decision did (workflows.events)
        self._swept = False  # has this process swept once yet

    async def moderate(
        self,
        *,
        case_id: PydanticObjectId,
        action: str,
        moderator_id: PydanticObjectId,
        note: str | None = None,
    ) -> ReportCaseDocument:
        """Take `action` on the case's target, close the case, log it; the case now."""
        if action not in ACTIONS:
            raise InvalidInput("action", "must be one of " + ", ".join(ACTIONS))
        case = await self._repos.reports.case(case_id)
        if case is None:
            raise Missing("no report case has this id")
        if action in (HIDE, RESTORE) and case.target_type not in (VIDEO, COMMENT):
            raise InvalidInput(
                "action", "HIDE and RESTORE apply to videos and comments: suspend a user"
            )
        if case.target_user_id == moderator_id:
            # Judge in one's own cause: any decision, hide or dismiss alike, is another
            # moderator's to take.
            raise Refused("you cannot decide a case about your own content")
        # What an earlier decision on this case left unfinished is finished first.
        for earlier in await self._repos.moderation_actions.unfinished(
            created_before=utcnow(), limit=_SWEEP_BATCH, case_id=case_id
        ):
            await self._carry_out(earlier)
        record = await self._repos.moderation_actions.begin(case_id, action, moderator_id, note)
        await self._carry_out(record)
        closed = await self._repos.reports.case(case_id)
        assert closed is not None  # cases are never deleted
        return closed

    async def _carry_out(self, record: ModerationActionDocument) -> None:
        """Each step not done yet, noted once done; every step may run twice."""
        assert record.id is not None
        actions = self._repos.moderation_actions
        case = await self._repos.reports.case(record.case_id)
        if case is None:  # erased with the account it was about: nothing left to do
            await actions.finish(record.id)
            return
        for step in STEPS:
            if step in record.steps_done:
                continue
            await self._step(step, record, case)
            await actions.step_done(record.id, step)
        await actions.finish(record.id)

    async def _step(
        self, step: str, record: ModerationActionDocument, case: ReportCaseDocument
    ) -> None:
        assert case.id is not None
        if step == "act":
            await self._act(case, record.action)
        elif step == "close":
            await self._repos.reports.close(case.id, record.action, record.moderator_id)
            if record.action in VERDICTS:
                verdict = VERDICTS[record.action]
                await self._repos.reports.judge(case.target_type, case.target_id, verdict)
        elif step == "log":
            await self._log(case, record.action, record.moderator_id, record.note,
                            entry_id=record.id)  # fmt: skip
        else:
            await self._tell(case, record.action)

    async def _act(self, case: ReportCaseDocument, action: str) -> None:
        content = self._repos.comments if case.target_type == COMMENT else self._repos.videos
        if action == HIDE:
            await content.withhold(case.target_id, MODERATION)
        elif action == RESTORE:
            await content.release(case.target_id, MODERATION)
        elif action == SUSPEND_USER:
            await self.suspend(case.target_user_id)
        elif action == REINSTATE_USER:
            await self.reinstate(case.target_user_id)

    async def sweep(self) -> int:
        """Carry out the decisions a crash left unfinished; how many. The first sweep of
        a process takes them all (it has none in flight; another machine's, finished
        twice, comes to the same: every step is idempotent); later ones leave those
        younger than IN_FLIGHT to the request carrying them out."""
        cutoff = utcnow() - IN_FLIGHT if self._swept else utcnow()
        records = await self._repos.moderation_actions.unfinished(
            created_before=cutoff, limit=_SWEEP_BATCH
        )
        self._swept = True
        for record in records:
            await self._carry_out(record)
        return len(records)

    async def hide_reported(self, case_id: PydanticObjectId, report_count: int) -> None:
        """Hide a video enough climbers reported, pending review (logged once, with no
        moderator, by the report that hid it)."""
        case = await self._repos.reports.case(case_id)
        if case is None or case.target_type not in (VIDEO, COMMENT):
            return
        content = self._repos.comments if case.target_type == COMMENT else self._repos.videos
        if await content.withhold(case.target_id, MODERATION):
            note = f"hidden pending review after {report_count} reports"
            await self._log(case, HIDE, None, note)
            await self._tell(case, HIDE)

    async def _tell(self, case: ReportCaseDocument, action: str) -> None:
        """The MODERATION notifications of an action: to whose content it hid or showed,
        and to the reporters when it took something down."""
        assert case.id is not None
        video_id = case.target_id if case.target_type == VIDEO else None
        comment_id = case.target_id if case.target_type == COMMENT else None
        told = [case.target_user_id] if action in (HIDE, RESTORE) else []
        if action in (HIDE, SUSPEND_USER):
            told += await self._repos.reports.reporters(case.target_type, case.target_id)
        for user_id in dict.fromkeys(told):
            await self._events.moderated(
                user_id, action, case_id=case.id, video_id=video_id, comment_id=comment_id
            )

    async def suspend(self, user_id: PydanticObjectId) -> None:
        users = self._repos.users
        await users.withhold(user_id, SUSPENDED)
        # After the mark: a token checked from now on is refused, and `login` sees it.
        await users.bump_token_version(user_id)
        self._token_versions.forget(user_id)
        await self._repos.videos.withhold_all_of(user_id, SUSPENDED)
        await self._repos.comments.withhold_all_of(user_id, SUSPENDED)

    async def settle_new_video(
        self, video_id: PydanticObjectId, author_id: PydanticObjectId
    ) -> None:
        """Give a video just inserted the suspension its author may have received while
        it was being posted. `suspend` marks the author, then hides all their videos in
        one update; a post whose checks passed before the mark can insert after that
        update, and would stay shown. Read after the insert, the author's mark decides:
        absent, the suspension's update is still to come and will hide this video too;
        present, the video is hidden here. Then read again, until a read made after this
        video's last change agrees with it: a reinstatement (which releases the author
        first, then their videos) may have released everything in between, and a new
        suspension may follow that."""
        users, videos = self._repos.users, self._repos.videos
        hidden = False
        while (suspended := await users.is_withheld(author_id, SUSPENDED)) != hidden:
            if suspended:
                await videos.withhold(video_id, SUSPENDED)
            else:
                await videos.release(video_id, SUSPENDED)
            hidden = suspended

    async def reinstate(self, user_id: PydanticObjectId) -> None:
        await self._repos.users.release(user_id, SUSPENDED)
        await self._repos.videos.release_all_of(user_id, SUSPENDED)
        await self._repos.comments.release_all_of(user_id, SUSPENDED)

    async def _log(
        self,
        case: ReportCaseDocument,
        action: str,
        moderator_id: PydanticObjectId | None,
        note: str | None,
        *,
        entry_id: PydanticObjectId | None = None,
    ) -> None:
        """One entry; with `entry_id` (a decision's record), at most one however often
        the step runs."""
        assert case.id is not None
        entry = ModerationLogEntry(
            id=entry_id,
            moderator_id=moderator_id,
            action=action,
            case_id=case.id,
            target_type=case.target_type,
            target_id=case.target_id,
            target_user_id=case.target_user_id,
            note=note,
        )
        if entry_id is None:
            await self._repos.moderation_log.append(entry)
        else:
            await self._repos.moderation_log.append_once(entry)
