"""searchUsers: case-insensitive prefix search on pseudo, best matches first."""

from __future__ import annotations

from tests.support.client import Api, code_of

SEARCH = "query($q: String!) { searchUsers(query: $q) { pseudo } }"


async def pseudos(api: Api, query: str) -> list[str]:
    data = await api.data(SEARCH, {"q": query})
    return [u["pseudo"] for u in data["searchUsers"]]


async def test_prefix_match_is_case_insensitive_and_ranks_exact_then_shortest(api: Api) -> None:
    for name in ["Adam.Ondra", "adam", "Adamo", "Bob", "madam"]:
        await api.signup(name)
    assert await pseudos(api, "ADAM") == ["adam", "Adamo", "Adam.Ondra"]
    assert await pseudos(api, "bo") == ["Bob"]
    assert await pseudos(api, "   ") == []


async def test_regex_characters_are_taken_literally(api: Api) -> None:
    await api.signup("a.b")
    await api.signup("axb")
    assert await pseudos(api, "a.") == ["a.b"]
    assert await pseudos(api, ".*") == []
    assert await pseudos(api, "(") == []


async def test_at_most_twenty_results(api: Api) -> None:
    for i in range(23):
        await api.signup(f"crux{i:02d}")
    assert len(await pseudos(api, "crux")) == 20


async def test_control_characters_are_refused_not_a_500(api: Api) -> None:
    # MongoDB refuses a NUL inside a $regex: it must never reach the database.
    for query in ("a\u0000", "\u0000", "ab\u001b[2J"):
        error = await api.error(SEARCH, {"q": query})
        assert code_of(error) == "BAD_USER_INPUT"


async def test_overlong_queries_are_refused(api: Api) -> None:
    error = await api.error(SEARCH, {"q": "x" * 200})
    assert code_of(error) == "BAD_USER_INPUT"
    assert error["extensions"]["field"] == "query"
