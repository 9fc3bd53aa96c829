"""One timestamp type: every instant of the schema is a String in one format, ISO-8601 in
UTC with milliseconds (`2025-06-01T18:03:11.482Z`, resolvers.climbing.iso_utc); days are
`YYYY-MM-DD`. The seed's instants were Strings, so Strings they all are."""

from __future__ import annotations

import re

from graphql import GraphQLNamedType, get_named_type, is_object_type

from resolvers.schema import build_schema
from tests.support.client import CREATE_UPLOAD, Api

INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")


def _instant_fields() -> dict[str, GraphQLNamedType]:
    schema = build_schema(production=False)._schema
    found: dict[str, GraphQLNamedType] = {}
    for type_ in schema.type_map.values():
        if type_.name.startswith("__") or not is_object_type(type_):
            continue
        for name, field in type_.fields.items():
            if name == "at" or name.endswith("_at"):
                found[f"{type_.name}.{name}"] = get_named_type(field.type)
    return found


def test_every_instant_of_the_schema_is_a_string_and_there_is_no_other_time_type() -> None:
    fields = _instant_fields()
    assert len(fields) >= 15
    assert {name: t.name for name, t in fields.items() if t.name != "String"} == {}
    assert "DateTime" not in build_schema(production=False)._schema.type_map


async def test_instants_come_in_one_format(api: Api) -> None:
    ada, bob = await api.signup("ada"), await api.signup("bob")
    await api.data("mutation($id: ID!) { follow(user_id: $id) { id } }", {"id": ada.id}, bob.token)
    me = await api.data(
        "{ myAccount { created_at } me { followers { edges { followed_at } } } }",
        token=ada.token,
    )
    upload = await api.data(
        CREATE_UPLOAD, {"kind": "PHOTO", "type": "image/jpeg", "size": 4}, ada.token
    )
    export = await api.data("mutation { exportMyData { expires_at } }", token=ada.token)
    instants = [
        me["myAccount"]["created_at"],
        me["me"]["followers"]["edges"][0]["followed_at"],
        upload["createUpload"]["expires_at"],
        export["exportMyData"]["expires_at"],
    ]
    assert all(INSTANT.fullmatch(value) for value in instants), instants
