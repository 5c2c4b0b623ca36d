"""The id grammars of the platforms Threadline replies through.

A reply goes out addressed by ids that arrived with the person's messages: the channel's
`externalUserId` (an X user id, a WhatsApp `wa_id`, a Messenger PSID, a Slack user) and the
parts of its `threadId` (the WhatsApp phone-number id, the Slack channel and thread, …). Some of
them become part of a platform URL (`/2/dm_conversations/with/{X user id}/messages`,
`/{phone-number id}/messages`), so an id is checked against its platform's grammar where it
enters — a webhook or `ingestEvents` — and refused there (BAD_INPUT) rather than trusted later:
X user ids, Messenger PSIDs and the numeric ids of threads are digits; Slack channels and thread
timestamps have theirs; ids that only travel in a request body (a WhatsApp `wa_id`, a Slack user)
may hold letters, digits and `+ _ . -`, never a character that could steer a URL. Channels
without a reply sender (web, mobile, email, voice…) are not constrained; SMS numbers go in a
form body, which the HTTP library encodes. The outbox encodes every id as one path segment in
any case (`connectors.platforms.outbound.platform_url`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Shape:
    """One kind of id: its pattern, and how an error message describes it."""

    pattern: re.Pattern[str]
    described: str

    def fits(self, value: str) -> bool:
        return self.pattern.fullmatch(value) is not None


# X user ids, Meta phone-number ids, PSIDs, page ids
NUMERIC_ID = Shape(re.compile(r"[0-9]{1,20}"), "digits")
# an id that only travels in a request's body (a WhatsApp `wa_id`, a Slack user): no grammar of
# its own is enforced, but nothing that could steer a URL or split a thread id — no `/ ? # % @ \`,
# whitespace or `:`, and never a bare `.` or `..`
BODY_ID = Shape(re.compile(r"(?!\.{1,2}$)[A-Za-z0-9+_.-]{1,128}"), "letters, digits, + _ . -")
# Slack teams, channels: T…, C…, D…; `team` when an event names none
SLACK_ID = Shape(re.compile(r"[A-Za-z0-9]{2,40}"), "an id such as T0123 or C0123ABC")
# a Slack message timestamp: its thread id
SLACK_TS = Shape(re.compile(r"[0-9]{1,12}\.[0-9]{1,9}"), "a message ts such as 1700000000.000100")


@dataclass(frozen=True)
class IdGrammar:
    """What a channel's ids look like: the person's, and each `:`-separated part of a thread id
    (`thread_forms`: the accepted part sequences, e.g. `wa_id` or `phone-number id:wa_id`)."""

    platform: str
    user: Shape
    thread_forms: tuple[tuple[Shape, ...], ...]

    def user_problem(self, value: str) -> str | None:
        if self.user.fits(value):
            return None
        return f"is not a {self.platform} user id ({self.user.described})"

    def thread_problem(self, value: str) -> str | None:
        parts = value.split(":")
        for form in self.thread_forms:
            if len(form) == len(parts) and all(
                shape.fits(part) for shape, part in zip(form, parts, strict=True)
            ):
                return None
        shapes = " or ".join(":".join(s.described for s in form) for form in self.thread_forms)
        return f"is not a {self.platform} thread id ({shapes})"


GRAMMARS: dict[str, IdGrammar] = {
    "x": IdGrammar("X", NUMERIC_ID, ((NUMERIC_ID,), (NUMERIC_ID, NUMERIC_ID))),
    # the phone-number id (the thread's first part) is in the URL: digits only
    "whatsapp": IdGrammar("WhatsApp", BODY_ID, ((BODY_ID,), (NUMERIC_ID, BODY_ID))),
    "messenger": IdGrammar("Messenger", NUMERIC_ID, ((NUMERIC_ID,), (NUMERIC_ID, NUMERIC_ID))),
    "slack": IdGrammar("Slack", BODY_ID, ((SLACK_ID, SLACK_ID), (SLACK_ID, SLACK_ID, SLACK_TS))),
}


def id_problem(channel: str, field: str, value: str) -> str | None:
    """Why `value` cannot be the `field` (externalUserId / threadId) of an event on `channel`,
    or None when it can (or the channel's ids are not constrained)."""
    grammar = GRAMMARS.get(channel)
    if grammar is None:
        return None
    return (
        grammar.user_problem(value) if field == "externalUserId" else grammar.thread_problem(value)
    )
