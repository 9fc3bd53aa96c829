from pathlib import Path

import pytest

from api.settings import ConfigurationError, Settings, load_settings
from resolvers.context import throttle_address


def test_production_refuses_to_start_without_database_and_secret() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings(_env_file=None, app_env="production")
    assert "MONGODB_URL" in str(caught.value)
    assert "JWT_SECRET" in str(caught.value)


def test_production_refuses_a_short_secret() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings(
            _env_file=None, app_env="production", mongodb_url="mongodb://db", jwt_secret="short"
        )
    assert "JWT_SECRET" in str(caught.value)
    assert "MONGODB_URL" not in str(caught.value)


def test_production_starts_with_database_secret_and_mail() -> None:
    settings = Settings(
        _env_file=None,
        app_env="production",
        mongodb_url="mongodb://db",
        jwt_secret="s" * 32,
        smtp_url="smtp://user:pass@smtp.example.com:587",
        email_from="no-reply@example.com",
    )
    assert settings.is_production


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, {"SMTP_URL", "EMAIL_FROM"}),
        ({"smtp_url": "smtps://u:p@smtp.example.com"}, {"EMAIL_FROM"}),
        ({"email_from": "no-reply@example.com"}, {"SMTP_URL"}),
    ],
)
def test_production_refuses_to_start_without_mail_settings_naming_them(
    given: dict[str, str], missing: set[str]
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings(
            _env_file=None,
            app_env="production",
            mongodb_url="mongodb://db",
            jwt_secret="s" * 32,
            **given,  # type: ignore[arg-type]
        )
    message = str(caught.value)
    for name in {"SMTP_URL", "EMAIL_FROM"}:
        assert (name in message) == (name in missing), message


def test_development_generates_a_secret_once_and_keeps_it(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path / "data")
    first = settings.resolved_jwt_secret()
    assert len(first.encode()) >= 32
    assert Settings(_env_file=None, data_dir=tmp_path / "data").resolved_jwt_secret() == first


def test_development_refuses_a_short_explicit_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        Settings(_env_file=None, data_dir=tmp_path, jwt_secret="short").resolved_jwt_secret()


@pytest.mark.parametrize(
    ("raw", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:198.51.100.4", "198.51.100.4"),
        ("not an address", None),
        ("1.2.3.4, 5.6.7.8", None),
    ],
)
def test_clients_are_throttled_per_ipv4_address_and_per_ipv6_64(
    raw: str, counted_as: str | None
) -> None:
    assert throttle_address(raw) == counted_as


def test_throttle_limits_are_bounded() -> None:
    with pytest.raises(ValueError, match="login_attempts_per_account"):
        Settings(_env_file=None, login_attempts_per_account=1_000_000)


def test_each_bad_setting_is_one_line_naming_it_its_problem_and_the_range() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(
            _env_file=None,
            signups_per_address=0,
            port=70_000,
            upload_bytes_per_hour=10,
            password_hash_concurrency="many",
        )
    header, *lines = str(caught.value).splitlines()
    assert header == "invalid settings:"
    by_name = {line.strip().split(":")[0]: line for line in lines}
    assert set(by_name) == {
        "SIGNUPS_PER_ADDRESS", "PORT", "UPLOAD_BYTES_PER_HOUR", "PASSWORD_HASH_CONCURRENCY"
    }  # fmt: skip
    assert "(allowed: 1 to 10000)" in by_name["SIGNUPS_PER_ADDRESS"]
    assert "(got 0)" in by_name["SIGNUPS_PER_ADDRESS"]
    assert "(allowed: 1 to 65535)" in by_name["PORT"]
    assert "integer" in by_name["PASSWORD_HASH_CONCURRENCY"]
    assert "Traceback" not in str(caught.value)
