"""Production logs: one JSON line per request, with what an operator needs and no secret."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from api.logging_setup import JsonFormatter
from api.settings import Settings
from tests.support.app import TEST_JWT_SECRET, running_api
from tests.support.client import code_of

ME = "query Me { me { id pseudo } }"
LOGIN = """
mutation LogIn($email: String!, $password: String!) {
  login(email: $email, password: $password) { token }
}
"""


def production(settings: Settings) -> Settings:
    return Settings(
        _env_file=None,
        app_env="production",
        mongodb_url=settings.mongodb_url,
        mongodb_db=settings.mongodb_db,
        data_dir=settings.data_dir,
        jwt_secret=TEST_JWT_SECRET,
        r2_account_id="0123456789abcdef",
        r2_access_key="test-access-key",
        r2_secret_key="test-secret-key",
        r2_bucket="media",
        r2_public_url="https://media.example.com",
        smtp_url="smtps://mailer:secret@smtp.example.com:465",
        email_from="no-reply@example.com",
    )


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    formatter = JsonFormatter()
    records = [r for r in caplog.records if r.name == "api.access"]
    return [json.loads(formatter.format(record)) for record in records]


async def test_each_request_logs_one_json_line_without_tokens_or_passwords(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # everything any logger says, not only the access log
    try:
        async with running_api(production(settings)) as api:
            account = await api.signup(password="a secret passphrase")
            await api.data(ME, token=account.token)
            wrong = await api.error(
                LOGIN, {"email": account.email, "password": "not the passphrase"}
            )
            assert code_of(wrong) == "UNAUTHENTICATED"
    finally:
        async with AsyncMongoClient[dict[str, Any]](str(settings.mongodb_url)) as client:
            await client.drop_database(settings.mongodb_db)

    signup, me, login = access_lines(caplog)
    for line in (signup, me, login):
        assert line["method"] == "POST"
        assert line["path"] == "/graphql"
        assert line["status"] == 200
        assert isinstance(line["duration_ms"], float)
        assert line["request_id"]
    assert (signup["operation"], me["operation"], login["operation"]) == ("Signup", "Me", "LogIn")
    assert me["user_id"] == account.id
    assert "user_id" not in signup  # anonymous: no user id to give

    everything = caplog.text + json.dumps([signup, me, login])
    for secret in (account.token, account.password, "not the passphrase"):
        assert secret not in everything
