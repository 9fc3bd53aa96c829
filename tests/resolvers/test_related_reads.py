"""What a page names besides its items (workflows.related), read once per page: the
moderation queue's reported videos and comments, the videos those comments are on and
every climber any of them shows come in one query per collection, whatever the page
holds, and each lands on the right case. The same for a page of the notifications
inbox, whose entries name videos, comments and actors."""

from __future__ import annotations

from tests.support.client import Api
from tests.support.comments import COMMENT, REPORT_COMMENT, comment
from tests.support.safety import REPORT_USER, make_moderator, report_video
from tests.support.social import FOLLOW
from tests.support.videos import LIKE, CommandLog, accounts, post_video

QUEUE = """
query Queue {
  moderationQueue(first: 20) { edges { node {
    target_type
    user { id pseudo }
    video { id user { id pseudo } }
    comment { id text user { id } mentions { id pseudo } video { id user { id } } }
  } } }
}
"""


async def test_a_queue_page_reads_its_videos_comments_and_climbers_once_each(
    commands: CommandLog, api: Api
) -> None:
    mod, reporter, *authors = await accounts(api, 8)
    await make_moderator(mod)
    videos = [(await post_video(api, author))["id"] for author in authors[:3]]
    # Two comments on two others' videos, each naming two climbers, one the other's author.
    said = []
    for n, (author, video) in enumerate([(authors[3], videos[0]), (authors[4], videos[1])]):
        text = f"@{authors[n].pseudo} @{authors[5].pseudo} voir {n}"
        said.append((await comment(api, author, video, text))["id"])
    for video in videos:
        await report_video(api, reporter, video)
    for comment_id in said:
        await api.data(REPORT_COMMENT, {"id": comment_id, "reason": "SPAM"}, reporter.token)
    await api.data(REPORT_USER, {"id": authors[5].id, "reason": "SPAM"}, reporter.token)
    await api.data(QUEUE, {}, mod.token)  # the moderator's token version, known from now

    commands.start()
    page = (await api.data(QUEUE, {}, mod.token))["moderationQueue"]["edges"]
    commands.stop()

    cases = [edge["node"] for edge in page]
    assert [case["target_type"] for case in cases].count("VIDEO") == 3
    assert [case["target_type"] for case in cases].count("COMMENT") == 2
    assert [case["target_type"] for case in cases].count("USER") == 1
    pseudo = {author.id: author.pseudo for author in authors}
    for case in cases:
        if case["target_type"] == "VIDEO":
            owner = authors[videos.index(case["video"]["id"])]
            assert case["video"]["user"] == {"id": owner.id, "pseudo": owner.pseudo}
            assert case["user"] == {"id": owner.id, "pseudo": owner.pseudo}
            assert case["comment"] is None
        elif case["target_type"] == "COMMENT":
            n = said.index(case["comment"]["id"])
            assert case["comment"]["user"] == {"id": authors[3 + n].id}
            assert case["user"]["id"] == authors[3 + n].id
            assert case["comment"]["video"] == {"id": videos[n], "user": {"id": authors[n].id}}
            named = [authors[n].id, authors[5].id]
            assert case["comment"]["mentions"] == [{"id": i, "pseudo": pseudo[i]} for i in named]
            assert case["video"] is None
        else:
            assert case["user"] == {"id": authors[5].id, "pseudo": authors[5].pseudo}
            assert case["video"] is None
            assert case["comment"] is None

    # One read per collection for the whole page, by id.
    assert len(commands.commands_on("find", "comments")) == 1
    assert len(commands.commands_on("aggregate", "videos")) == 1
    (users,) = commands.commands_on("find", "users")
    assert len(users["filter"]["_id"]["$in"]) == 6  # every climber shown, each once


async def test_a_posted_comment_comes_with_its_video_and_the_climbers_it_names(
    commands: CommandLog, api: Api
) -> None:
    owner, author, named = await accounts(api, 3)
    video = (await post_video(api, owner))["id"]
    text = f"@{named.pseudo} @{owner.pseudo} @{named.pseudo} regarde"
    variables = {"video": video, "text": text, "reply_to": None}
    await api.data("{ me { id } }", {}, author.token)  # the author's token version, known

    commands.start()
    made = (await api.data(COMMENT, variables, author.token))["commentVideo"]
    commands.stop()

    assert made["user"] == {"id": author.id, "pseudo": author.pseudo}
    assert made["mentions"] == [
        {"id": named.id, "pseudo": named.pseudo},
        {"id": owner.id, "pseudo": owner.pseudo},
    ]
    assert made["video"] == {"id": video, "comment_count": 1}
    # Besides the posting's own checks: one read by id for every climber it shows.
    by_ids = [
        c["filter"]["_id"]["$in"]
        for c in commands.commands_on("find", "users")
        if isinstance(c["filter"].get("_id"), dict)
    ]
    assert [sorted(map(str, ids)) for ids in by_ids] == [sorted([author.id, named.id, owner.id])]


INBOX_NAMED = """
query Inbox {
  notifications(first: 20) { edges { node {
    kind actor_count actors { id pseudo }
    video { id user { id pseudo } }
    comment { id text user { id } mentions { id } video { id user { id } } }
  } } }
}
"""


async def test_an_inbox_page_reads_its_comments_videos_and_climbers_once_each(
    commands: CommandLog, api: Api
) -> None:
    reader, other, *fans = await accounts(api, 7)
    liked = (await post_video(api, reader))["id"]
    elsewhere = (await post_video(api, other))["id"]
    for fan in fans:  # a LIKE group of five: three actors shown, none read again
        assert (await api.data(LIKE, {"id": liked}, fan.token))["likeVideo"]
    await api.data(FOLLOW, {"id": reader.id}, fans[0].token)
    on_mine = await comment(api, fans[1], liked, "belle voie")  # COMMENT
    naming = await comment(api, fans[2], elsewhere, f"@{reader.pseudo} regarde")  # MENTION
    await api.data("{ me { id } }", {}, reader.token)  # the reader's token version, known

    commands.start()
    page = (await api.data(INBOX_NAMED, {}, reader.token))["notifications"]["edges"]
    commands.stop()

    entries = {node["kind"]: node for node in (edge["node"] for edge in page)}
    assert set(entries) == {"LIKE", "FOLLOW", "COMMENT", "MENTION"}
    assert entries["LIKE"]["actor_count"] == 5
    assert len(entries["LIKE"]["actors"]) == 3
    assert {a["id"] for a in entries["LIKE"]["actors"]} <= {fan.id for fan in fans}
    assert entries["LIKE"]["video"] == {
        "id": liked,
        "user": {"id": reader.id, "pseudo": reader.pseudo},
    }
    assert entries["FOLLOW"]["actors"] == [{"id": fans[0].id, "pseudo": fans[0].pseudo}]
    assert entries["COMMENT"]["comment"]["id"] == on_mine["id"]
    assert entries["COMMENT"]["comment"]["video"] == {"id": liked, "user": {"id": reader.id}}
    mention = entries["MENTION"]["comment"]
    assert mention["id"] == naming["id"]
    assert mention["user"] == {"id": fans[2].id}
    assert mention["mentions"] == [{"id": reader.id}]
    assert mention["video"] == {"id": elsewhere, "user": {"id": other.id}}

    # The entries, then one read per collection for the whole page, by id: the comments,
    # every video (the entries' and the comments'), every climber (the actors shown too).
    assert len(commands.commands_on("aggregate", "notifications")) == 1
    assert len(commands.commands_on("find", "comments")) == 1
    assert len(commands.commands_on("aggregate", "videos")) == 1
    assert len(commands.commands_on("find", "users")) == 1
