"""What a push notification says, in French or English by the device's locale.

Only what anyone could see on the app says it: who (a pseudo, public) did what, and how
many others; never a comment's text, an e-mail or anything else of an account. The app
opens the inbox entry from the message's data to show the rest.
"""

from __future__ import annotations

TITLE = "Perfect Boulder"

# (one actor, several: "{actor}" and "{others}" are replaced)
_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "fr": {
        "LIKE": ("{actor} a aimé ta vidéo", "{actor} et {others} autres ont aimé ta vidéo"),
        "LIKE_TWO": ("{actor} et 1 autre personne ont aimé ta vidéo",) * 2,
        "FOLLOW": ("{actor} te suit", "{actor} te suit"),
        "COMMENT": ("{actor} a commenté ta vidéo", "{actor} a commenté ta vidéo"),
        "REPLY": ("{actor} a répondu à ton commentaire", "{actor} a répondu à ton commentaire"),
        "MENTION": (
            "{actor} t'a mentionné·e dans un commentaire",
            "{actor} t'a mentionné·e dans un commentaire",
        ),
        "MODERATION": ("L'équipe de modération a examiné un signalement",) * 2,
    },
    "en": {
        "LIKE": ("{actor} liked your video", "{actor} and {others} others liked your video"),
        "LIKE_TWO": ("{actor} and 1 other liked your video",) * 2,
        "FOLLOW": ("{actor} started following you", "{actor} started following you"),
        "COMMENT": ("{actor} commented on your video", "{actor} commented on your video"),
        "REPLY": ("{actor} replied to your comment", "{actor} replied to your comment"),
        "MENTION": ("{actor} mentioned you in a comment", "{actor} mentioned you in a comment"),
        "MODERATION": ("The moderators reviewed a report",) * 2,
    },
}


def language_of(locale: str | None) -> str:
    """ "fr" for a French locale (fr, fr-FR, fr_CA...), else "en"."""
    if locale and locale.replace("_", "-").split("-")[0].strip().lower() == "fr":
        return "fr"
    return "en"


def push_text(kind: str, locale: str | None, actor: str | None, actor_count: int) -> str:
    """The body of a push of `kind` for a device in `locale`."""
    if kind == "LIKE" and actor_count == 2:
        kind = "LIKE_TWO"  # "and 1 other", not "and 1 others"
    one, several = _TEXTS[language_of(locale)][kind]
    template = several if actor_count > 1 else one
    return template.format(actor=actor or "?", others=max(0, actor_count - 1))
