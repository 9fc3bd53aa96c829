import asyncio

from tests.support.client import Api, code_of
from tests.support.logbook import CREATE_GYM, GYMS, create_gym


async def _names(api: Api, query: str | None, limit: int | None = None) -> list[str]:
    data = await api.data(GYMS, {"query": query, "limit": limit})
    return [gym["name"] for gym in data["gyms"]]


async def test_a_signed_in_climber_adds_a_gym_and_anyone_finds_it(api: Api) -> None:
    climber = await api.signup()
    data = await api.data(
        CREATE_GYM, {"name": "  Arkose   Montmartre ", "location": "Paris 18e"}, climber.token
    )
    gym = data["createGym"]
    assert gym["name"] == "Arkose Montmartre"
    assert gym["location"] == "Paris 18e"
    assert await _names(api, "montmartre") == ["Arkose Montmartre"]


async def test_creating_a_gym_needs_an_account(api: Api) -> None:
    error = await api.error(CREATE_GYM, {"name": "Arkose"})
    assert code_of(error) == "UNAUTHENTICATED"


async def test_search_ignores_case_and_accents_and_ranks_prefixes_first(api: Api) -> None:
    climber = await api.signup()
    for name in ("Block'Out Évry", "Climb Up Évry", "Évry Escalade", "Arkose Nation"):
        await create_gym(api, climber, name)
    assert await _names(api, "EVRY") == ["Évry Escalade", "Block'Out Évry", "Climb Up Évry"]
    assert await _names(api, "arkose nation") == ["Arkose Nation"]
    assert await _names(api, "no such gym") == []


async def test_search_text_is_matched_literally_not_as_a_regex(api: Api) -> None:
    climber = await api.signup()
    for name in ("Bloc.Sud", "Blocsud", "Vertical (Art)", "Vertical Art"):
        await create_gym(api, climber, name)
    assert await _names(api, "c.s") == ["Bloc.Sud"]
    assert await _names(api, "(art") == ["Vertical (Art)"]
    assert await _names(api, ".*") == []
    assert await _names(api, "[") == []


async def test_an_empty_query_lists_every_gym_alphabetically_within_the_limit(api: Api) -> None:
    climber = await api.signup()
    for name in ("Mroc", "Arkose", "Hardbloc", "Climb Up"):
        await create_gym(api, climber, name)
    assert await _names(api, "") == ["Arkose", "Climb Up", "Hardbloc", "Mroc"]
    assert await _names(api, None) == ["Arkose", "Climb Up", "Hardbloc", "Mroc"]
    assert await _names(api, "  ", limit=2) == ["Arkose", "Climb Up"]


async def test_at_most_fifty_gyms_per_search(api: Api) -> None:
    for limit in (0, 51):
        error = await api.error(GYMS, {"query": "", "limit": limit})
        assert code_of(error) == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "limit"


async def test_gym_names_are_unique_ignoring_case_accents_and_spacing(api: Api) -> None:
    climber = await api.signup()
    await create_gym(api, climber, "Arkose Genevois")
    for duplicate in ("ARKOSE GENEVOIS", "arkose  genevois", "Arkosé Genevois"):
        error = await api.error(CREATE_GYM, {"name": duplicate}, climber.token)
        assert code_of(error) == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == "name"
    assert await _names(api, "genevois") == ["Arkose Genevois"]


async def test_concurrent_creations_of_one_gym_make_one_gym(api: Api) -> None:
    climbers = [await api.signup() for _ in range(2)]
    responses = await asyncio.gather(
        *(
            api.post(
                CREATE_GYM, {"name": f"Hardbloc{' ' * (i % 3)}".upper()}, climbers[i % 2].token
            )
            for i in range(8)
        )
    )
    bodies = [response.json() for response in responses]
    created = [body for body in bodies if not body.get("errors")]
    refused = [body["errors"][0] for body in bodies if body.get("errors")]
    assert len(created) == 1
    assert {code_of(error) for error in refused} == {"BAD_USER_INPUT"}
    assert await _names(api, "hardbloc") == ["HARDBLOC"]


async def test_bad_gym_input_names_the_field(api: Api) -> None:
    climber = await api.signup()
    cases = [({"name": "A"}, "name"), ({"name": "Arkose", "location": "x" * 201}, "location")]
    for variables, field in cases:
        error = await api.error(CREATE_GYM, variables, climber.token)
        assert code_of(error) == "BAD_USER_INPUT"
        assert error["extensions"]["field"] == field
    error = await api.error(GYMS, {"query": "x" * 101})
    assert error["extensions"]["field"] == "query"
