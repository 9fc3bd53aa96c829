"""Passwords through the front door: one password whatever the keyboard sends for it."""

from __future__ import annotations

from bson import ObjectId

from kit.passwords import PasswordHasher
from models.user import UserDocument
from tests.support.client import Api, code_of

LOGIN = "mutation Login($e: String!, $p: String!) { login(email: $e, password: $p) { token } }"


async def test_a_password_set_decomposed_logs_in_composed_and_full_width(api: Api) -> None:
    account = await api.signup(password="Re\u0301glette \uff21rke\u0301ose")  # NFD, full-width A
    for typed in ("R\u00e9glette Ark\u00e9ose", "Re\u0301glette Arke\u0301ose"):
        token = (await api.data(LOGIN, {"e": account.email, "p": typed}))["login"]["token"]
        assert token
    wrong = await api.error(LOGIN, {"e": account.email, "p": "Reglette Arkeose"})
    assert code_of(wrong) == "UNAUTHENTICATED"


async def test_a_password_of_128_decomposed_letters_is_128_characters(api: Api) -> None:
    decomposed = "e\u0301" * 128  # 256 code points typed, 128 characters once composed
    account = await api.signup(password=decomposed)
    login = await api.data(LOGIN, {"e": account.email, "p": "\u00e9" * 128})
    assert login["login"]["token"]
    again = await api.data(LOGIN, {"e": account.email, "p": decomposed})
    assert again["login"]["token"]


async def test_a_hash_stored_before_normalising_still_logs_in(api: Api) -> None:
    legacy_password = "\uff30\uff41\uff53\uff53 de\u0301vers"  # NFKC changes it
    account = await api.signup()
    # As signup stored it before passwords were normalised: the raw form, hashed.
    legacy = PasswordHasher(max_concurrent=1)._hash.hash(legacy_password)
    await UserDocument.get_pymongo_collection().update_one(
        {"_id": ObjectId(account.id)}, {"$set": {"password_hash": legacy}}
    )
    token = (await api.data(LOGIN, {"e": account.email, "p": legacy_password}))["login"]["token"]
    assert token
    wrong = await api.error(LOGIN, {"e": account.email, "p": "Pass devers"})
    assert code_of(wrong) == "UNAUTHENTICATED"
