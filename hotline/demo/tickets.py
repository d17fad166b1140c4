"""Demo tickets: registered and advanced through the real services, so every stage shows."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from hotline.demo.journey import FORWARD, advance
from hotline.demo.samples import GIVEN, SAMPLES, STREETS, SURNAMES
from hotline.demo.seed import DemoOrg
from hotline.tickets.models import Channel
from hotline.tickets.services import Person, Respondent, TicketDraft, ticket_register

HANDLING_UNITS = [("JZ-DH-SJ", "handler"), ("JZ-XS-ZJ", "handler2"), ("JZ-DH-CG", "handler3")]
CHANNELS = (
    [Channel.PHONE] * 6 + [Channel.WEB] * 2 + [Channel.EMAIL, Channel.SMS, Channel.LETTER, Channel.VISIT]
)


def random_person(rng: random.Random) -> Person:
    return Person(
        name=rng.choice(SURNAMES) + rng.choice(GIVEN),
        phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        address=f"江州市{rng.choice(['东湖区', '西山县'])}{rng.choice(STREETS)}{rng.randrange(1, 300)}号",
        customer_class=rng.choice(["", "", "A", "B", "C", "VIP"]),
    )


def seed_tickets(org: DemoOrg, *, count: int, seed: int = 12345) -> int:
    """Register ``count`` tickets over the last 40 days and walk each a random distance."""
    rng = random.Random(seed)
    now = timezone.now()
    agent = org.users["agent"]
    staff = [
        org.users[u]
        for u in (
            "agent",
            "coordinator",
            "leader",
            "head",
            "head2",
            "head3",
            "handler",
            "handler2",
            "handler3",
        )
    ]
    made = 0
    for _ in range(count):
        ttype, category, subject, description, demand, respondent = rng.choice(SAMPLES)
        received = now - timedelta(days=rng.uniform(0, 40), minutes=rng.randrange(600))
        person = random_person(rng)
        if ttype == "report" and rng.random() < 0.5:
            person = Person(anonymous=True)
        ticket = ticket_register(
            draft=TicketDraft(
                type=ttype,
                channel=rng.choice(CHANNELS),
                subject=subject,
                description=description,
                demand=demand,
                complainant=person,
                respondent=Respondent(name=respondent),
                category=category,
                severity=rng.choice(["normal"] * 8 + ["major", "urgent"]),
            ),
            actor=agent,
            now=received,
        )
        unit, handler = rng.choice(HANDLING_UNITS)
        # Older matters are mostly done; the last week's are spread over every stage.
        age_days = (now - received).days
        steps = 24 if age_days > 7 and rng.random() < 0.85 else rng.randrange(0, 9)
        times = [received + timedelta(hours=3 * (k + 1) + rng.random()) for k in range(steps)]
        times = [min(t, now) for t in times]
        satisfaction = rng.choice(["very_satisfied", "satisfied", "satisfied", "neutral", "dissatisfied"])
        # a dissatisfied complainant's matter goes round again (二次/三次派单) before it closes
        prefer = [*FORWARD[:-1], "redispatch", "close"] if satisfaction == "dissatisfied" else FORWARD
        advance(
            ticket,
            staff,
            steps=steps,
            handler=handler,
            unit=unit,
            rng=rng,
            at=times,
            satisfaction=satisfaction,
            prefer=prefer,
        )
        made += 1
    return made
