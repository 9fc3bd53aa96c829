from tests.support.client import Api, upload_media


async def test_an_uploaded_file_is_served_back_from_its_public_url(api: Api) -> None:
    account = await api.signup()
    url = await upload_media(api, account, "VIDEO", b"0123456789")
    response = await api.http.get(url)
    assert response.status_code == 200
    assert response.content == b"0123456789"
    assert response.headers["content-type"] == "video/mp4"
