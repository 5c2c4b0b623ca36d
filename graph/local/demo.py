"""`threadline demo`: a realistic synthetic multi-channel dataset for every analytic.

Over the last two weeks, each synthetic customer lives one of five journeys, written through the
real write path (validation, enrichment, session resolution) with simulated time — the sweeper
runs at the end of every simulated day, so sessions go idle, close and archive as they would:

- switch: asks on the web chat, a bot answers, continues in the mobile app (half of them have
  to repeat their order number there);
- resolved: a WhatsApp question answered by the bot, ending in thanks;
- escalation: an angry web message, the bot hands over to a human agent who resolves it;
- abandoned: an email or SMS about a double charge; the bot asks a question nobody answers;
- returning: an SMS about a lost parcel, and the same person again days later (the new session
  CONTINUES the expired one).

Seeded: the same `--users` and `--seed` give the same conversations, and running it again adds
nothing (event ids are deterministic; a journey already stored is skipped).
"""

from __future__ import annotations

import contextlib
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from graph.domain.events import EventInput, Speaker
from graph.pipeline.ingest import ingest_events
from graph.store.handoffs import handoff, upsert_agent
from graph.store.lifecycle import Timers, sweep

if TYPE_CHECKING:
    from enrichment.pipeline import Enricher
    from graph.store.database import Database

DAYS = 14
BOT, AGENTS = "demo-bot", ("demo-sam", "demo-alex")
# the journeys and how often each is drawn, for the users after the first of each kind
WEIGHTS = {"switch": 30, "resolved": 20, "escalation": 20, "abandoned": 15, "returning": 15}
KINDS = tuple(WEIGHTS)
JOURNEYS = [kind for kind, weight in WEIGHTS.items() for _ in range(weight)]
NAMES = ["Jane", "Omar", "Mei", "Lucas", "Priya", "Tom", "Ana", "Kofi", "Sara", "Yuki"]


@dataclass
class DemoSummary:
    users: int = 0
    events: int = 0
    handoffs: int = 0
    journeys: dict[str, int] = field(default_factory=lambda: defaultdict(int))


Step = Callable[["Demo"], Awaitable[None]]


class AlreadyLoadedError(Exception):
    """The journey's events are stored already (event ids are deterministic)."""


class Demo:
    def __init__(self, db: Database, enricher: Enricher | None, seed: int, prefix: str) -> None:
        self.db = db
        self.enricher = enricher
        self.rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
        self.prefix = prefix
        self.summary = DemoSummary()
        # event ids count per identity, so they do not depend on which journeys an earlier run
        # stored (a skipped journey would shift a global counter)
        self.counters: dict[str, int] = defaultdict(int)

    async def say(
        self,
        channel: str,
        who: str,
        text: str | None,
        at: datetime,
        role: Speaker = Speaker.USER,
        session_id: str | None = None,
        agent_id: str | None = None,
    ) -> str:
        self.counters[who] += 1
        event = EventInput(
            f"{self.prefix}-{who}-{self.counters[who]}",
            channel,
            who,
            session_id=session_id,
            role=role,
            text=text,
            occurred_at=at,
            agent_id=agent_id,
        )
        result = await ingest_events(self.db, [event], self.enricher)
        if result.duplicates:  # loaded by an earlier run with the same seed: skip the journey
            raise AlreadyLoadedError
        self.summary.events += 1
        return result.results[0].session_id

    async def bot_says(
        self, channel: str, who: str, text: str, at: datetime, session_id: str
    ) -> str:
        """The demo bot's reply in `session_id`."""
        return await self.say(channel, who, text, at, Speaker.BOT, session_id, BOT)

    def order(self) -> str:
        return f"{self.rng.choice('ABCDEFGH')}-{self.rng.randrange(10000, 99999)}"

    async def switch(self, user: str, at: datetime) -> None:
        order = self.order()
        web = f"cookie-{user}"
        session = await self.say("web", web, f"Hi, where is my order {order}?", at)
        await self.bot_says(
            "web",
            web,
            f"Let me check order {order} for you.",
            at + timedelta(seconds=20),
            session,
        )
        await self.say("web", web, "It's been two weeks already :(", at + timedelta(minutes=2))
        app, later = f"app-{user}", at + timedelta(minutes=self.rng.randrange(10, 90))
        repeat = self.rng.random() < 0.5
        text = f"Again, order {order} - any news?" if repeat else "I'm in the app now, any news?"
        await self.say("mobile", app, text, later, session_id=session)
        await self.bot_says(
            "mobile",
            app,
            "It ships tomorrow, sorry for the wait.",
            later + timedelta(seconds=30),
            session,
        )
        await self.say(
            "mobile", app, "Great, thank you!", later + timedelta(minutes=1), session_id=session
        )

    async def resolved(self, user: str, at: datetime) -> None:
        phone = f"+1415555{self.rng.randrange(1000, 9999)}"
        sku = self.rng.randrange(1000, 9999)
        session = await self.say(
            "whatsapp", phone, f"Hello, can I return SKU-{sku}? Wrong size", at
        )
        await self.bot_says(
            "whatsapp",
            phone,
            "Sure! Here is your return label.",
            at + timedelta(seconds=15),
            session,
        )
        await self.say("whatsapp", phone, "thanks, that fixed it!", at + timedelta(minutes=3))

    async def escalation(self, user: str, at: datetime) -> None:
        web, order = f"cookie-{user}", self.order()
        session = await self.say(
            "web",
            web,
            f"This is ridiculous, order {order} is broken, I want to speak to a human",
            at,
        )
        await self.bot_says(
            "web",
            web,
            "Connecting you to an agent.",
            at + timedelta(seconds=10),
            session,
        )
        agent = self.rng.choice(AGENTS)
        wait = timedelta(seconds=self.rng.randrange(30, 600))
        await handoff(self.db, session, agent, "escalation_request", at + wait)
        self.summary.handoffs += 1
        await self.say(
            "web",
            web,
            f"Hi, I'm sorry about order {order}. I've issued a refund.",
            at + wait + timedelta(seconds=40),
            Speaker.AGENT,
            session,
            agent,
        )
        await self.say("web", web, "Thanks, that's great", at + wait + timedelta(minutes=2))

    async def abandoned(self, user: str, at: datetime) -> None:
        channel = self.rng.choice(["email", "sms"])
        who = (
            f"{user}@example.com"
            if channel == "email"
            else f"+1212555{self.rng.randrange(1000, 9999)}"
        )
        money = f"${self.rng.randrange(10, 300)}.{self.rng.randrange(0, 99):02d}"
        session = await self.say(
            channel,
            who,
            f"I was charged {money} twice for order {self.order()}, I want a refund",
            at,
        )
        await self.bot_says(
            channel,
            who,
            "Can you confirm the last 4 digits of the card?",
            at + timedelta(minutes=1),
            session,
        )

    async def returning(self, user: str, at: datetime) -> list[tuple[datetime, Step]]:
        phone = f"+1646555{self.rng.randrange(1000, 9999)}"
        tracking = f"1Z{self.rng.randrange(10**15, 10**16)}AB"
        session = await self.say(
            "sms",
            phone,
            f"The package with tracking number {tracking} says delivered but I have nothing",
            at,
        )
        await self.bot_says(
            "sms",
            phone,
            "We opened an investigation.",
            at + timedelta(minutes=2),
            session,
        )
        back = at + timedelta(days=self.rng.randrange(2, 4), hours=self.rng.randrange(0, 5))

        async def again(demo: Demo) -> None:
            await demo.say(
                "sms", phone, f"Still nothing for {tracking}, this is very disappointing", back
            )

        return [(back, again)]


async def load_demo(
    db: Database,
    enricher: Enricher | None,
    users: int = 50,
    seed: int = 7,
    now: datetime | None = None,
    timers: Timers | None = None,  # the deployment's session timers (default: the defaults)
) -> DemoSummary:
    """Write the dataset; returns what was written."""
    moment = now or datetime.now(UTC)
    demo = Demo(db, enricher, seed, f"demo-{seed}-{users}")
    await upsert_agent(db, BOT, "BOT", "Demo bot")
    for agent in AGENTS:
        await upsert_agent(db, agent, "HUMAN", agent.removeprefix("demo-").title())
    start = (moment - timedelta(days=DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    plan: list[tuple[datetime, str, str]] = []
    for n in range(users):
        day = demo.rng.randrange(0, DAYS - 4)
        at = start + timedelta(
            days=day, hours=demo.rng.randrange(8, 20), minutes=demo.rng.randrange(60)
        )
        # the first users take one journey of each kind, so every demo shows all five
        journey = KINDS[n] if n < len(KINDS) else demo.rng.choice(JOURNEYS)
        plan.append((at, journey, f"{demo.prefix}-{NAMES[n % len(NAMES)].lower()}{n}"))
    later: list[tuple[datetime, Step]] = []
    timers = timers or Timers()
    for day in range(DAYS + 1):
        day_end = start + timedelta(days=day + 1)
        for at, journey, user in sorted(
            p for p in plan if day_end - timedelta(days=1) <= p[0] < day_end
        ):
            # each journey draws from its own generator: its phone numbers, channels and orders
            # do not depend on which other journeys an earlier run stored (those are skipped)
            demo.rng = random.Random(f"{seed}:{user}")  # noqa: S311 - reproducible demo data
            try:
                later.extend(await getattr(demo, journey)(user, at) or [])
            except AlreadyLoadedError:
                continue
            demo.summary.journeys[journey] += 1
            demo.summary.users += 1
        for _, step in sorted((s for s in later if s[0] < day_end), key=lambda s: s[0]):
            with contextlib.suppress(AlreadyLoadedError):
                await step(demo)
        later = [s for s in later if s[0] >= day_end]
        await sweep(db, timers, now=min(day_end, moment))
    return demo.summary
