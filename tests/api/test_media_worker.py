"""Where the media jobs run: worker tasks in the API process (MEDIA_WORKERS), or a
process of their own (`python -m api.media_worker`, its `run`), on the same queue.

These wait for real background work (a child process probing a clip), so they poll the
owner's view of the video, a tenth of a second at a time, for at most 30 s.
"""

from __future__ import annotations

import asyncio

from api.media_worker import run
from api.settings import Settings
from tests.support.app import running_api
from tests.support.client import Account, Api, upload_media
from tests.support.videos import POST_VIDEO, video_vars

STATE = "query S($id: ID!) { video(id: $id) { media_state } }"


async def _post(api: Api, owner: Account) -> str:
    url = await upload_media(api, owner, "VIDEO")
    posted = await api.data(POST_VIDEO, video_vars(url), owner.token)
    video_id: str = posted["postVideo"]["id"]
    return video_id


async def _state_once_decided(api: Api, owner: Account, video_id: str) -> str:
    for _ in range(300):
        state: str = (await api.data(STATE, {"id": video_id}, owner.token))["video"]["media_state"]
        if state != "PROCESSING":
            return state
        await asyncio.sleep(0.1)
    raise AssertionError("the video was never probed")


async def test_the_api_s_own_worker_probes_a_post_at_once(settings: Settings) -> None:
    settings = settings.model_copy(update={"media_workers": 1})
    async with running_api(settings) as api:
        owner = await api.signup()
        video_id = await _post(api, owner)
        assert await _state_once_decided(api, owner, video_id) == "READY"


async def test_a_worker_process_works_the_jobs_an_api_without_workers_queued(
    settings: Settings,
) -> None:
    async with running_api(settings) as api:  # MEDIA_WORKERS=0: it only queues
        owner = await api.signup()
        video_id = await _post(api, owner)
        assert (await api.data(STATE, {"id": video_id}, owner.token))["video"][
            "media_state"
        ] == "PROCESSING"
        stop = asyncio.Event()
        worker = asyncio.create_task(run(settings, stop))
        try:
            assert await _state_once_decided(api, owner, video_id) == "READY"
        finally:
            stop.set()
            await worker
