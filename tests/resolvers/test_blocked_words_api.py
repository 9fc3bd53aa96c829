"""Blocked words through the front door: pseudos, bios, captions and gym names."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.app import create_app
from api.settings import ConfigurationError, Settings
from tests.support.app import running_api
from tests.support.client import Api, code_of, upload_media
from tests.support.safety import UPDATE_VIDEO
from tests.support.videos import POST_VIDEO, post_video, video_vars

SIGNUP = """
mutation($e: String!, $p: String!, $n: String!) {
  signup(email: $e, password: $p, pseudo: $n) { user { pseudo } }
}
"""
PROFILE = """
mutation($pseudo: String, $bio: String) { updateProfile(pseudo: $pseudo, bio: $bio) { pseudo bio } }
"""
GYM = "mutation($name: String!) { createGym(name: $name) { name } }"
GYM_AT = """
mutation($name: String!, $where: String) { createGym(name: $name, location: $where) { location } }
"""


async def _refused(api: Api, query: str, variables: dict[str, object], token: str | None,
                   field: str) -> None:  # fmt: skip
    error = await api.error(query, variables, token)
    assert (code_of(error), error["extensions"]["field"]) == ("BAD_USER_INPUT", field), error


async def test_objectionable_words_are_refused_naming_the_field(api: Api) -> None:
    await _refused(api, SIGNUP, {"e": "a@example.com", "p": "correct horse 1",
                                 "n": "big_fuck3r"}, None, "pseudo")  # fmt: skip
    me = await api.signup("crimp_queen")
    await _refused(api, PROFILE, {"pseudo": "Sal0pe"}, me.token, "pseudo")
    await _refused(api, PROFILE, {"bio": "Crimps only, connards"}, me.token, "bio")
    url = await upload_media(api, me, "VIDEO")
    await _refused(api, POST_VIDEO, video_vars(url, caption="kill yourself"), me.token,
                   "caption")  # fmt: skip
    video = (await post_video(api, me, caption="Heel hook beta"))["id"]
    await _refused(api, UPDATE_VIDEO, {"id": video, "caption": "n1gg@"}, me.token, "caption")
    await _refused(api, GYM, {"name": "Bloc des Enculés"}, me.token, "name")

    # Ordinary climbing talk, and names that merely contain a listed word, pass.
    profile = await api.data(PROFILE, {"pseudo": "Scunthorpe_crimper",
                                       "bio": "Sloper, jug, pinch, dyno. Putain, ça passe."},
                             me.token)  # fmt: skip
    assert profile["updateProfile"]["pseudo"] == "Scunthorpe_crimper"
    assert (await api.data(GYM, {"name": "Cul de Chien Bloc"}, me.token))["createGym"]
    updated = await api.data(UPDATE_VIDEO, {"id": video, "caption": "therapist-approved crux"},
                             me.token)  # fmt: skip
    assert updated["updateVideo"]["caption"] == "therapist-approved crux"


async def test_blocked_words_file_replaces_the_shipped_list(
    settings: Settings, tmp_path: Path
) -> None:
    house_rules = tmp_path / "words.txt"
    house_rules.write_text("# this gym's rules\nsloper\n", encoding="utf-8")
    replaced = settings.model_copy(update={"blocked_words_file": house_rules})
    async with running_api(replaced) as api:
        me = await api.signup()
        await _refused(api, PROFILE, {"bio": "I hate SL0PERS? no: I hate sloper"}, me.token,
                       "bio")  # fmt: skip
        shown = await api.data(PROFILE, {"bio": "connard"}, me.token)  # not on this list
        assert shown["updateProfile"]["bio"] == "connard"


def test_an_unreadable_word_list_stops_the_service_at_start(
    settings: Settings, tmp_path: Path
) -> None:
    missing = settings.model_copy(update={"blocked_words_file": tmp_path / "nope.txt"})
    with pytest.raises(ConfigurationError, match="BLOCKED_WORDS_FILE"):
        create_app(missing)


# What people type to get past a filter: separators, stretched letters, other scripts.
DISGUISED = [
    "p.u.t.e", "f u c k", "f-u-c-k", "fuuuck", "connnnard", "\u0440ute",
    "c\u043enn\u0430rd", "\uff46\uff55\uff43\uff4b", "s.a.l.e a.r.a.b.e",
]  # fmt: skip
# Listed words in another sense or language, and names.
OTHER_SENSES = [
    "2h de retard à cause du train", "La prise était sale, noir de magnésie",
    "Via del negre, Siurana", "Kike García", "fag break at the crag", "spic and span",
]  # fmt: skip


async def test_disguised_words_are_refused_in_every_public_text(api: Api) -> None:
    me = await api.signup()
    for n, text in enumerate(DISGUISED):
        await _refused(api, PROFILE, {"bio": f"crimps and {text}"}, me.token, "bio")
        await _refused(api, GYM, {"name": f"Bloc {text}"}, me.token, "name")
        await _refused(api, GYM_AT, {"name": f"Salle {n}", "where": f"rue {text}"}, me.token,
                       "location")  # fmt: skip
    video = (await post_video(api, me, caption="Heel hook beta"))["id"]
    await _refused(api, UPDATE_VIDEO, {"id": video, "caption": "f.u.c.k"}, me.token, "caption")


async def test_listed_words_in_another_sense_pass(api: Api) -> None:
    me = await api.signup()
    for n, text in enumerate(OTHER_SENSES):
        bio = await api.data(PROFILE, {"bio": text}, me.token)
        assert bio["updateProfile"]["bio"] == text
        gym = await api.data(GYM_AT, {"name": f"Salle {n}", "where": text}, me.token)
        assert gym["createGym"]["location"] == text
    kike = await api.data(PROFILE, {"pseudo": "Kike_climbs"}, me.token)
    assert kike["updateProfile"]["pseudo"] == "Kike_climbs"
    await _refused(api, PROFILE, {"pseudo": "kike_climbs"}, me.token, "pseudo")
