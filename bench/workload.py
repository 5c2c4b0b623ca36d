"""Synthetic but realistic support-conversation text, seeded so every run sees the same corpus."""

from __future__ import annotations

import random
import zlib

OPENERS = ["", "Hi, ", "Hello! ", "Hey there, ", "Good morning, ", "Sorry to bother you, "]
BODIES = [
    "where is my order {order}?",
    "my order {order} never arrived and it's been two weeks",
    "any update on {order_lower}?",
    "I was charged {money} twice for order {order}, I want a refund",
    "the package with tracking number {tracking} says delivered but I have nothing",
    "can I return SKU-{sku}? it's the wrong size",
    "please cancel order {order}, I ordered by mistake",
    "my account number {account} is locked, can you help",
    "I opened ticket #INC-{ticket} last week and nobody answered",
    "you can reach me at {email} or {phone}",
    "this is ridiculous, I want to speak to a human",
    "thanks, that fixed it!",
    "it was supposed to arrive on {date} but it's still not here",
    "is {sku_word} available in blue? I saw it on https://shop.example.com/p/{sku}",
    "my invoice from {date} shows {money}, which is more than the price on the site",
    "ok",
    "Great, thank you so much for the quick help!",
    "I've been waiting for 45 minutes, this is unacceptable service and I'm very disappointed",
]
CLOSERS = ["", "", " Thanks.", " Cheers", " Please help.", " 🙏", " Regards, Jane"]
MONTHS = ["Jan", "March", "Sept", "November"]


def message(rng: random.Random) -> str:
    order = f"{rng.choice('ABCDEFGH')}-{rng.randrange(10000, 99999)}"
    body = rng.choice(BODIES).format(
        order=order,
        order_lower=order.replace("-", "").lower(),
        money=f"${rng.randrange(5, 900)}.{rng.randrange(0, 99):02d}",
        tracking=f"1Z{rng.randrange(10**15, 10**16)}AB",
        sku=rng.randrange(1000, 99999),
        sku_word=rng.choice(["the trail jacket", "item code TJ-2201", "the blue mug"]),
        account=rng.randrange(10**7, 10**9),
        ticket=rng.randrange(1000, 99999),
        email=f"user{rng.randrange(1000)}@example.com",
        phone=f"(415) 555-{rng.randrange(1000, 9999)}",
        date=f"{rng.choice(MONTHS)} {rng.randrange(1, 28)}",
    )
    return rng.choice(OPENERS) + body + rng.choice(CLOSERS)


def messages(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not a secret
    return [message(rng) for _ in range(count)]


CHANNELS = ["web", "mobile", "whatsapp", "email", "sms", "messenger"]


def conversation(
    user: int,
    length: int,
    prefix: str,
    start_ms: int,
    attributes_every: int = 0,
    threads: bool = False,
) -> list[dict[str, object]]:
    """One user's conversation as GraphQL `EventInput` variables: it starts on one channel and
    switches channel halfway. Events after the switch carry `"sessionId": None`: the caller fills
    in the session the first half landed in, as an app continuing a web chat does. With
    `attributes_every` n, every n-th event also sets session attributes (a contact, an address,
    the cart: what encryption seals); with `threads`, every event names its platform thread
    (the person's id on the channel, as a WhatsApp conversation is: encryption seals it too)."""
    rng = random.Random(user * 7919 + length)  # noqa: S311 - a reproducible corpus
    first, second = rng.sample(CHANNELS, 2)
    events: list[dict[str, object]] = []
    for n in range(length):
        switched = n >= length // 2
        channel = second if switched else first
        event: dict[str, object] = {
            "eventId": f"{prefix}-u{user}-m{n}",
            "channel": channel,
            "externalUserId": external_id(prefix, channel, user),
            "role": "USER" if n % 2 == 0 else "BOT",
            "text": message(rng),
            "occurredAt": _iso(start_ms + n * 1000),
        }
        if attributes_every and n % attributes_every == 0:
            event["attributes"] = {
                "email": f"user{user}.{prefix}@example.com",
                "address": f"{user % 300 + 1} Elm Street, flat {n}, Springfield",
                "cart": [f"SKU-{rng.randrange(1000, 9999)}"],
            }
        if threads:
            event["threadId"] = event["externalUserId"]
        if switched:
            event["sessionId"] = None
        events.append(event)
    return events


def external_id(prefix: str, channel: str, user: int) -> str:
    """The person's id on `channel`, unique per run: digits where the platform's ids are
    (a Messenger PSID), readable elsewhere."""
    if channel == "messenger":
        return f"{zlib.crc32(prefix.encode())}{user:07d}"
    return f"{prefix}-{channel}-{user}"


def _iso(millis: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(millis / 1000, tz=UTC).isoformat()
