"""Where account life (issue 15) meets community safety (issue 16): a deleted account's
blocks and reports go with it, and a suspended climber cannot sign in through a reset."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from beanie import PydanticObjectId

from api.settings import Settings
from tests.support.accounts import (
    DELETE_ACCOUNT,
    REQUEST_RESET,
    RESET,
    Inbox,
    eventually,
    smtp_server,
    token_in,
)
from tests.support.app import running_api
from tests.support.client import Api, code_of
from tests.support.safety import BLOCK, LOGIN, MODERATE, REPORT_USER, make_moderator, queue
from tests.support.videos import accounts, post_video


async def test_a_deleted_account_takes_its_blocks_reports_and_cases_along(
    api: Api, db: Any
) -> None:
    leaving, blocker, blocked, reporter = await accounts(api, 4)
    await api.data(BLOCK, {"id": blocked.id}, leaving.token)
    await api.data(BLOCK, {"id": leaving.id}, blocker.token)
    # A report the leaver files, and one about them (a case on their account).
    await api.data(REPORT_USER, {"id": blocked.id, "reason": "SPAM"}, leaving.token)
    await api.data(REPORT_USER, {"id": leaving.id, "reason": "HARASSMENT"}, reporter.token)
    await post_video(api, leaving)
    me = PydanticObjectId(leaving.id)

    assert (await api.data(DELETE_ACCOUNT, {"password": leaving.password}, leaving.token))[
        "deleteAccount"
    ]

    async def erased() -> bool | None:
        touching = {"$or": [{"blocker_id": me}, {"blocked_id": me}]}
        left = (
            await db.blocks.count_documents(touching)
            + await db.reports.count_documents({"$or": [{"reporter_id": me}, {"target_id": me}]})
            + await db.report_cases.count_documents({"target_user_id": me})
        )
        return True if left == 0 else None

    await eventually(erased)
    # Others' reports on others stay: the blocked climber's case keeps its count.
    (case,) = await db.report_cases.find({}).to_list()
    assert case["target_id"] == PydanticObjectId(blocked.id)
    assert case["report_count"] == 1


@pytest.fixture
def mail() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def mail_api(settings: Settings, mail: tuple[Inbox, int]) -> AsyncIterator[Api]:
    configured = settings.model_copy(
        update={"smtp_url": f"smtp://127.0.0.1:{mail[1]}", "email_from": "pb@example.com"}
    )
    async with running_api(configured) as api:
        yield api


async def test_a_suspended_climber_cannot_sign_in_through_a_password_reset(
    mail_api: Api, mail: tuple[Inbox, int]
) -> None:
    inbox, _ = mail
    troll, moderator, reporter = await accounts(mail_api, 3)
    await make_moderator(moderator)
    await mail_api.data(REPORT_USER, {"id": troll.id, "reason": "HATE"}, reporter.token)
    (case,) = await queue(mail_api, moderator)
    await mail_api.data(MODERATE, {"case": case["id"], "action": "SUSPEND_USER"}, moderator.token)

    await mail_api.data(REQUEST_RESET, {"email": troll.email})

    async def arrived() -> Any:
        found = inbox.to(troll.email)
        return found[0] if found else None

    token = token_in(await eventually(arrived))
    refused = await mail_api.error(RESET, {"token": token, "password": "a brand new password"})
    assert code_of(refused) == "ACCOUNT_SUSPENDED"
    # Nor does the new password open the door.
    login = await mail_api.error(LOGIN, {"e": troll.email, "p": "a brand new password"})
    assert code_of(login) == "ACCOUNT_SUSPENDED"
