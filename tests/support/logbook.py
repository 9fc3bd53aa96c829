"""The logbook's GraphQL documents, as the app sends them, and small helpers on top."""

from __future__ import annotations

from typing import Any

from tests.support.client import Account, Api

GYM_FIELDS = "id name location"
CROIX_FIELDS = "id photo_url color grade status notes session_id created_at"
SESSION_FIELDS = f"id date feeling notes gym {{ {GYM_FIELDS} }} croix {{ {CROIX_FIELDS} }}"

CREATE_GYM = f"""
mutation CreateGym($name: String!, $location: String) {{
  createGym(name: $name, location: $location) {{ {GYM_FIELDS} }}
}}
"""

GYMS = f"""
query Gyms($query: String, $limit: Int) {{ gyms(query: $query, limit: $limit) {{ {GYM_FIELDS} }} }}
"""

CREATE_SESSION = f"""
mutation CreateSession(
  $date: String!, $gym_id: ID, $feeling: Int, $notes: String, $client_id: String
) {{
  createSession(
    date: $date, gym_id: $gym_id, feeling: $feeling, notes: $notes, client_id: $client_id
  ) {{ {SESSION_FIELDS} }}
}}
"""

UPDATE_SESSION = f"""
mutation UpdateSession($id: ID!, $date: String, $gym_id: ID, $feeling: Int, $notes: String) {{
  updateSession(id: $id, date: $date, gym_id: $gym_id, feeling: $feeling, notes: $notes) {{
    {SESSION_FIELDS}
  }}
}}
"""

DELETE_SESSION = "mutation DeleteSession($id: ID!) { deleteSession(id: $id) }"

MY_SESSIONS = f"""
query MySessions($limit: Int, $offset: Int) {{
  mySessions(limit: $limit, offset: $offset) {{ {SESSION_FIELDS} }}
}}
"""

# Exactly the seed's createCroix, plus the optional client_id.
CREATE_CROIX = f"""
mutation CreateCroix(
  $session_id: ID, $photo_url: String!, $color: String!, $grade: String!,
  $status: VideoStatus!, $notes: String, $client_id: String, $date: String
) {{
  createCroix(
    session_id: $session_id, photo_url: $photo_url, color: $color, grade: $grade,
    status: $status, notes: $notes, client_id: $client_id, date: $date
  ) {{ {CROIX_FIELDS} }}
}}
"""

UPDATE_CROIX = f"""
mutation UpdateCroix($id: ID!, $grade: String, $status: VideoStatus, $notes: String) {{
  updateCroix(id: $id, grade: $grade, status: $status, notes: $notes) {{ {CROIX_FIELDS} }}
}}
"""

DELETE_CROIX = "mutation DeleteCroix($id: ID!) { deleteCroix(id: $id) }"

MY_CROIX = f"""
query MyCroix($limit: Int, $offset: Int) {{
  myCroix(limit: $limit, offset: $offset) {{ {CROIX_FIELDS} }}
}}
"""


async def create_gym(api: Api, account: Account, name: str, location: str | None = None) -> str:
    data = await api.data(CREATE_GYM, {"name": name, "location": location}, account.token)
    gym_id: str = data["createGym"]["id"]
    return gym_id


async def create_session(api: Api, account: Account, date: str, **fields: Any) -> dict[str, Any]:
    data = await api.data(CREATE_SESSION, {"date": date, **fields}, account.token)
    session: dict[str, Any] = data["createSession"]
    return session


def croix_vars(photo_url: str, **overrides: Any) -> dict[str, Any]:
    return {"photo_url": photo_url, "color": "blue", "grade": "6a+", "status": "TOP", **overrides}


async def create_croix(api: Api, account: Account, photo_url: str, **fields: Any) -> dict[str, Any]:
    data = await api.data(CREATE_CROIX, croix_vars(photo_url, **fields), account.token)
    croix: dict[str, Any] = data["createCroix"]
    return croix
