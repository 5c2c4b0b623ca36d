"""A generated corpus for the recall benchmark: long multi-session, multi-channel histories
(~600 turns per person over a year, on web, app, WhatsApp, SMS and email) with facts planted at
known turns and questions whose evidence messages are known.

Question types (each person gets one of each, worded from several templates):
  keyword      the question shares words with the evidence (a stated preference)
  paraphrase   the question says it in other words (cancel -> stop, expensive -> price)
  entity       the question names an id in another form (A-1001 asked as "a1001")
  temporal     the same kind of problem three times; the question names when ("in May")
  multi-hop    two messages: the damaged item's order, and the tracking number given for it
  answer       the evidence answers a question the agent asked (the address after "where to?")
  update       a fact stated twice; the question asks for the current one (the newer message)
  assistant    something the agent said ("which model did you recommend?")
Filler turns reuse the same vocabulary (orders, deliveries, tracking numbers, addresses, refunds)
so that words alone do not single out the evidence. Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

CHANNELS = ("web", "mobile", "whatsapp", "sms", "email")
START = datetime(2025, 11, 1, 9, tzinfo=UTC)
DAYS = 360
MONTH_NAMES = [datetime(2000, m, 1).strftime("%B") for m in range(1, 13)]

PRODUCTS = [
    ("blender", "kitchen appliance"),
    ("kettle", "kitchen appliance"),
    ("headphones", "audio gear"),
    ("speaker", "audio gear"),
    ("desk lamp", "light"),
    ("office chair", "furniture"),
    ("backpack", "bag"),
    ("smartwatch", "wearable"),
    ("coffee grinder", "kitchen appliance"),
    ("air purifier", "home appliance"),
    ("electric toothbrush", "bathroom gadget"),
    ("rice cooker", "kitchen appliance"),
]
DEFECTS = [
    ("a cracked lid", "broken"),
    ("a dented side", "damaged"),
    ("a shattered screen", "broken"),
    ("a torn strap", "damaged"),
    ("a missing power cable", "incomplete"),
    ("scratches all over it", "damaged"),
]
STREETS = ["Elm Street", "Maple Avenue", "Harbor Road", "Cedar Lane", "Bay Boulevard", "Mill Way"]
CITIES = ["Springfield", "Riverton", "Lakeside", "Fairview", "Greenville", "Kingsport"]
PLANS = ["Premium", "Family", "Pro", "Plus", "Gold"]
DELIVERY_ISSUES = [
    "left at the wrong door",
    "two days late",
    "delivered to my neighbour",
    "soaked by the rain",
    "missing one of the boxes",
    "handed to someone else",
]
TIMES = [("in the evening after 6pm", "evening"), ("early in the morning before 9", "morning")]
# how a question names a month: "in May 2026" or "6 months ago" (as the asker counts)
MODELS = ["X200", "Aero 5", "Nova Pro", "Zen 3", "Volt S"]

USER_FILLER = [
    "Hi there",
    "Hello, I have a question about my account",
    "Can you check the status of my order {oid}?",
    "Thanks for the quick reply",
    "Is there any discount this week?",
    "How long does delivery usually take?",
    "I can't log in to the app",
    "Do you ship to Canada?",
    "What payment methods do you accept?",
    "Ok, that helps, thanks",
    "Can I change my password from the website?",
    "Has my order {oid} shipped yet?",
    "The website is slow today",
    "Where can I find the invoice for {oid}?",
    "Do you have the {product} in black?",
    "Is the {product} covered by the warranty?",
    "I need to update the email on my account",
    "Can I pick up the order in a store?",
    "Could you resend the tracking number for {oid}?",
    "My delivery address is the same as last time",
    "What time do you close on Sundays?",
    "Is there a newsletter I can join?",
    "I want to return an item",
    "How much is express delivery?",
    "Great, have a nice day",
    "Can I pay in installments?",
    "The app keeps crashing on my phone",
    "Do you sell gift cards?",
]
AGENT_FILLER = [
    "Happy to help!",
    "Let me check that for you.",
    "Delivery takes 3 to 5 business days.",
    "You can reset it from the login page.",
    "We accept cards and PayPal.",
    "Is there anything else I can do?",
    "Order {oid} shipped yesterday, tracking number {trk}.",
    "Your order {oid} is being prepared.",
    "Yes, the {product} has a two-year warranty.",
    "Express delivery costs $9.99.",
    "You'll find invoices under Orders in your account.",
    "We are open 10 to 4 on Sundays.",
    "Returns are free within 30 days.",
    "I've updated your account.",
    "Thanks for your patience.",
    "Our app update should fix that.",
    "The {product} is back in stock next week.",
    "The tracking number for {oid} is {trk}.",
    "Please confirm the delivery address on file.",
    "Gift cards are available on the website.",
]


@dataclass
class Turn:
    event_id: str
    channel: str
    role: str  # USER | AGENT
    text: str
    at: datetime


@dataclass
class Question:
    kind: str
    text: str
    evidence: list[str]  # event ids
    asked_at: datetime


@dataclass
class Person:
    key: str
    conversations: list[list[Turn]] = field(default_factory=list)  # one session each, in order
    questions: list[Question] = field(default_factory=list)


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def order(self) -> str:
        while True:
            oid = f"{self.rng.choice('ABCDEFGHJK')}-{self.rng.randrange(1000, 99999)}"
            if oid not in self.used:
                self.used.add(oid)
                return oid

    def tracking(self) -> str:
        return "1Z" + "".join(self.rng.choice("0123456789ABCDEF") for _ in range(16))


def _filler_pair(rng: random.Random, ids: _Ids) -> tuple[str, str]:
    values = {"oid": ids.order(), "trk": ids.tracking(), "product": rng.choice(PRODUCTS)[0]}
    return rng.choice(USER_FILLER).format(**values), rng.choice(AGENT_FILLER).format(**values)


class _Builder:
    """Plants facts in a person's sessions, then fills every session up with filler."""

    def __init__(
        self, key: str, rng: random.Random, sessions: int, turns: int, asked_at: datetime
    ) -> None:
        self.key, self.rng, self.asked_at = key, rng, asked_at
        self.ids = _Ids(rng)
        days = sorted(rng.sample(range(DAYS), sessions))
        self.starts = [START + timedelta(days=d, hours=rng.randrange(0, 10)) for d in days]
        self.channels = [rng.choice(CHANNELS) for _ in days]
        self.planted: list[list[tuple[str, str, str | None]]] = [[] for _ in days]
        self.per_session = max(4, turns // sessions)
        self.questions: list[tuple[str, str, list[tuple[int, int]]]] = []

    def plant(self, session: int, lines: list[tuple[str, str]]) -> list[tuple[int, int]]:
        """Lines (role, text) at the end of the planted part of a session; their positions."""
        spots = []
        for role, text in lines:
            spots.append((session, len(self.planted[session])))
            self.planted[session].append((role, text, None))
        return spots

    def ask(self, kind: str, text: str, spots: list[tuple[int, int]]) -> None:
        self.questions.append((kind, text, spots))

    def session_in(self, low: float, high: float) -> int:
        """A random session between two fractions of the year."""
        n = len(self.starts)
        return self.rng.randrange(int(low * n), max(int(low * n) + 1, int(high * n)))

    def build(self) -> Person:
        person = Person(self.key)
        event_ids: dict[tuple[int, int], str] = {}
        for s, start in enumerate(self.starts):
            planted = self.planted[s]
            filler_pairs = max(1, (self.per_session - len(planted)) // 2)
            lines: list[tuple[str, str, tuple[int, int] | None]] = []
            for _ in range(filler_pairs):
                user, agent = _filler_pair(self.rng, self.ids)
                lines += [("USER", user, None), ("AGENT", agent, None)]
            insert_at = self.rng.randrange(0, len(lines) // 2 + 1) * 2
            block = [(role, text, (s, i)) for i, (role, text, _) in enumerate(planted)]
            lines = lines[:insert_at] + block + lines[insert_at:]
            conversation = []
            for n, (role, text, spot) in enumerate(lines):
                event_id = f"{self.key}-s{s}-t{n}"
                if spot is not None:
                    event_ids[spot] = event_id
                at = start + timedelta(minutes=2 * n)
                conversation.append(Turn(event_id, self.channels[s], role, text, at))
            person.conversations.append(conversation)
        for kind, text, spots in self.questions:
            evidence = [event_ids[s] for s in spots]
            person.questions.append(Question(kind, text, evidence, self.asked_at))
        return person


def _plant_facts(b: _Builder) -> None:
    rng = b.rng
    # keyword: a stated preference, asked with the same words
    when, _ = rng.choice(TIMES)
    spots = b.plant(b.session_in(0.1, 0.5), [("USER", f"Please deliver my parcels {when}.")])
    b.ask("keyword", "At what time of day do I want my parcels delivered?", spots)
    # paraphrase: the plan cancelled for its price
    plan = rng.choice(PLANS)
    spots = b.plant(
        b.session_in(0.2, 0.6),
        [("USER", f"I'd like to cancel my {plan} subscription, it has become too expensive.")],
    )
    b.ask(
        "paraphrase",
        rng.choice(
            [
                f"Did I want to stop the {plan} membership because of what it costs?",
                f"Why did I want to end my {plan} plan?",
            ]
        ),
        spots,
    )
    # entity: a double charge, asked with the id in another form
    oid = b.ids.order()
    spots = b.plant(
        b.session_in(0.1, 0.8), [("USER", f"I was charged twice for order {oid}, please fix it.")]
    )
    written = oid.replace("-", "").lower() if rng.random() < 0.5 else f"#{oid.replace('-', '')}"
    b.ask("entity", f"What was the problem with {written}?", spots)
    # temporal: three delivery problems, the question names the month of one
    sessions = sorted({b.session_in(0.05, 0.35), b.session_in(0.4, 0.65), b.session_in(0.7, 0.95)})
    issues = rng.sample(DELIVERY_ISSUES, len(sessions))
    planted = [
        b.plant(s, [("USER", f"My delivery was {issue} again.")])
        for s, issue in zip(sessions, issues, strict=True)
    ]
    pick = rng.randrange(len(sessions))
    then = b.starts[sessions[pick]]
    months_ago = round((b.asked_at - then).days / 30)
    when = (
        f"in {MONTH_NAMES[then.month - 1]} {then.year}"
        if rng.random() < 0.5 or months_ago < 2
        else f"{months_ago} months ago"
    )
    b.ask("temporal", f"What went wrong with my delivery {when}?", planted[pick])
    # multi-hop: the damaged product's order, and the tracking number of its replacement
    product, kind = rng.choice(PRODUCTS)
    defect, state = rng.choice(DEFECTS)
    oid, trk = b.ids.order(), b.ids.tracking()
    first = b.session_in(0.2, 0.6)
    damaged = b.plant(first, [("USER", f"The {product} from order {oid} arrived with {defect}.")])
    later = min(len(b.starts) - 1, first + rng.randrange(1, 4))
    tracking = b.plant(
        later, [("AGENT", f"The replacement for order {oid} is on its way, tracking {trk}.")]
    )
    b.ask(
        "multi-hop",
        f"What tracking number did you give for the replacement of the {state} {product}?",
        damaged + tracking,
    )
    # answer: the address given when the agent asked for it
    number, street, city = rng.randrange(2, 300), rng.choice(STREETS), rng.choice(CITIES)
    spots = b.plant(
        b.session_in(0.1, 0.9),
        [
            ("AGENT", "Which address should we send the new card to?"),
            ("USER", f"{number} {street}, {city}"),
        ],
    )
    b.ask("answer", "Where did I ask you to send the new card?", spots[1:])
    # update: a phone number, then a new one
    old = f"+1 415 555 {rng.randrange(1000, 9999)}"
    new = f"+1 628 555 {rng.randrange(1000, 9999)}"
    b.plant(b.session_in(0.05, 0.3), [("USER", f"You can reach me on {old}.")])
    spots = b.plant(b.session_in(0.6, 0.95), [("USER", f"I have a new number now: {new}.")])
    b.ask("update", "What is my current phone number?", spots)
    # assistant: a recommendation the agent made
    model = rng.choice(MODELS)
    spots = b.plant(
        b.session_in(0.1, 0.9),
        [("AGENT", f"For your needs I'd recommend the {model} {kind}, it has a longer warranty.")],
    )
    b.ask("assistant", f"Which {kind} did you recommend to me?", spots)


def generate(people: int, turns: int = 600, sessions: int = 30, seed: int = 17) -> list[Person]:
    """`people` histories of about `turns` turns in `sessions` sessions each."""
    asked_at = START + timedelta(days=DAYS + 1)
    out = []
    for p in range(people):
        rng = random.Random(seed * 100_003 + p)  # noqa: S311 - a corpus, not a secret
        builder = _Builder(f"p{seed}x{p}", rng, sessions, turns, asked_at)
        _plant_facts(builder)
        out.append(builder.build())
    return out
