from tests.support.client import Api


async def test_healthz_is_ok_when_the_database_answers(api: Api) -> None:
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
