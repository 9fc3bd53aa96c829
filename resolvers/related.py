"""What a page names besides its items (workflows.related), as GraphQL types: each
climber and each video built once, shared by every item naming it."""

from __future__ import annotations

from beanie import PydanticObjectId

from resolvers.users import User
from resolvers.videos import Video
from workflows.related import Related


class Named:
    def __init__(self, related: Related, viewer: PydanticObjectId | None) -> None:
        self.people = {
            user_id: User.from_document(card) for user_id, card in related.people.items()
        }
        self.videos = {
            video_id: Video.from_view(view, self.person(view.user_id), viewer)
            for video_id, view in related.videos.items()
        }

    def person(self, user_id: PydanticObjectId) -> User:
        """The climber, or a stand-in when their account is gone (`User.from_card`)."""
        found = self.people.get(user_id)
        return User.from_card(user_id, None) if found is None else found

    def video(self, video_id: PydanticObjectId) -> Video | None:
        """The video, if the reader may see it."""
        return self.videos.get(video_id)
