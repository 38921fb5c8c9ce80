"""A deterministic, realistic organization for the simulator, the demo and the benchmarks.

`generate_org(users, seed, now=...)` always returns the same snapshot for the same arguments. It
uses the org id, sites and cloud ids of policies/organization.yaml, so the example policies apply
to it, and the group names of policies/examples/inventory.json. The population has what real orgs
have and what the reconciler must get right: most people active within days, a long idle tail,
people active only on Confluence or only on the other site, invitees who never logged in (some
within their grace period), app and customer accounts, site and org admins, an IdP-synced group,
people in two granting groups, a group granting a product on both sites, duplicate display names,
hidden e-mails, suspended and deactivated accounts, and seat limits a little above use. Runs in
well under a second per 10,000 users.
"""

from __future__ import annotations

import itertools
import math
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from controller.core.snapshot import (
    SEATLESS_TYPES,
    Account,
    AccountStatus,
    AccountType,
    Activity,
    Group,
    Inventory,
    Seats,
    Site,
)

ORG_ID = "8f3c2a71-5d4e-4b6a-9c1f-2e7d8a9b0c13"
SITES = (
    Site(
        name="acme",
        url="https://acme.atlassian.net",
        cloud_id="0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
    ),
    Site(
        name="acme-labs",
        url="https://acme-labs.atlassian.net",
        cloud_id="5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
    ),
)
DOMAIN = "acme.example"
PRODUCTS = ("jira-software", "jira-servicedesk", "confluence")
BOT_EMAIL = "accessctl-bot@acme.example"
# People the example policies name (exclusions, protected accounts): present so they matter.
NAMED_PEOPLE = (
    ("ceo@acme.example", "Judy Chief", 120.0),
    ("it-break-glass@acme.example", "IT Break Glass", None),
    ("parental-leave@acme.example", "Pat Leave", 150.0),
)
FIRST_NAMES = (
    "Alex", "Sam", "Maria", "Wei", "Priya", "John", "Fatima", "Lukas", "Emma", "Noah", "Olivia",
    "Liam", "Ava", "Mateo", "Sofia", "Yuki", "Chen", "Aisha", "Omar", "Elena", "Ivan", "Anna",
    "David", "Sara", "Tom", "Nina", "Ravi", "Lea", "Jonas", "Mia", "Pedro", "Chloe", "Kenji",
    "Zoe", "Hugo", "Ines", "Leon", "Amara", "Felix", "Hana",
)  # fmt: skip
LAST_NAMES = (
    "Lee", "Smith", "Garcia", "Wang", "Patel", "Müller", "Kim", "Nguyen", "Brown", "Rossi",
    "Silva", "Khan", "Cohen", "Novak", "Jensen", "Tanaka", "Dubois", "Schmidt", "Lopez", "Ali",
    "Ivanova", "Okafor", "Larsen", "Costa", "Weber", "Singh", "Sato", "Moreau", "Fischer", "Hall",
)  # fmt: skip
APP_NAMES = ("Deploy Bot", "Slack", "GitHub for Jira", "Tempo", "Automation for Jira", "Zapier")


def _group(name: str, site: str | None, *products: str, managed_by: str = "atlassian") -> Group:
    return _group_on(name, *((site, p) for p in products if site), managed_by=managed_by)


def _group_on(name: str, *seats: tuple[str, str], managed_by: str = "atlassian") -> Group:
    group_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://{DOMAIN}/groups/{name}"))
    grants = [{"site": site, "product": product} for site, product in seats]
    return Group.model_validate(
        {"id": group_id, "name": name, "grants": grants, "managed_by": managed_by}
    )


GROUPS = {
    "jsw-acme": _group("jira-software-users-acme", "acme", "jira-software"),
    "jsm-acme": _group("jira-servicedesk-users-acme", "acme", "jira-servicedesk"),
    "conf-acme": _group("confluence-users-acme", "acme", "confluence"),
    "jsw-labs": _group("jira-software-users-acme-labs", "acme-labs", "jira-software"),
    "jsm-labs": _group("jira-servicedesk-users-acme-labs", "acme-labs", "jira-servicedesk"),
    "conf-labs": _group("confluence-users-acme-labs", "acme-labs", "confluence"),
    "testers": _group("jira-testers", "acme", "jira-software"),
    "jira-admins": _group("jira-administrators", "acme", "jira-software"),
    "sso": _group("engineering-sso", "acme", "jira-software", "confluence", managed_by="idp"),
    # One group granting Jira Software on both sites: removing someone from it for idling on
    # one site would take the other site too.
    "jsw-all": _group_on(
        "jira-software-all-sites", ("acme", "jira-software"), ("acme-labs", "jira-software")
    ),
    "staff": _group("staff", None),
    "contractors": _group("contractors", None),
    "release": _group("release-managers", None),
}


@dataclass
class _Person:
    """An account being drawn: groups by short key, activity as (site, product, days ago)."""

    name: str
    email: str | None
    groups: set[str] = field(default_factory=set)
    activity: list[tuple[str, str, float]] = field(default_factory=list)
    added_days: float | None = None
    account_type: AccountType = "atlassian"
    status: AccountStatus = "active"
    platform_roles: tuple[str, ...] = ()


def generate_org(users: int, seed: int, *, now: datetime) -> Inventory:
    """`users` accounts (at least the handful of fixed ones), the same for the same arguments."""
    rng = random.Random(seed)
    now = now.astimezone(UTC)
    people = list(_everyone(users, rng))
    accounts = [_account(p, rng=rng, now=now) for p in people]
    bot = next(a for a in accounts if a.email == BOT_EMAIL)
    return Inventory(
        taken_at=now,
        org_id=ORG_ID,
        fetched_by=bot.account_id,
        sites=SITES,
        groups=tuple(GROUPS.values()),
        seats=_seats(accounts),
        accounts=tuple(accounts),
    )


def _everyone(users: int, rng: random.Random) -> Iterator[_Person]:
    fixed = list(_fixed_people(users))
    yield from fixed
    # sam.lee@ is taken by a fixed person, so a drawn Sam Lee starts at sam.lee2@.
    names: Counter[tuple[str, str]] = Counter({("Sam", "Lee"): 1})
    apps = max(1, users // 200)
    customers = max(1, users // 60)
    for index in range(max(0, users - len(fixed))):
        if index < apps:
            yield _app(index)
        elif index < apps + customers:
            yield _customer(index)
        else:
            yield _regular(rng, names)


def _fixed_people(users: int) -> Iterator[_Person]:
    yield _Person("accessctl bot", BOT_EMAIL, {"jsw-acme", "staff"}, [_jira(300)])
    yield from _admins(max(2, users // 1000))
    yield from _named_people()
    # Two people with one display name: messages must tell them apart by e-mail.
    yield _Person("Sam Lee", f"sam.lee@{DOMAIN}", {"jsw-acme", "staff"}, [_jira(2)])
    yield _Person("Sam Lee", f"samuel.lee@{DOMAIN}", {"jsw-acme", "contractors"}, [_jira(95)])
    # The example AccessGrants entry asks Jira Software for this Confluence-only reader.
    reader = [("acme", "confluence", 3.0)]
    yield _Person("Rupert Reader", f"rupert@{DOMAIN}", {"conf-acme", "staff"}, reader)


def _jira(days_idle: float) -> tuple[str, str, float]:
    return ("acme", "jira-software", days_idle)


def _admins(count: int) -> Iterator[_Person]:
    for n in range(1, count + 1):
        admin = _Person(f"Site Admin {n}", f"site-admin-{n}@{DOMAIN}", {"jsw-acme", "staff"})
        admin.activity = [_jira(200.0 + n)]  # admins often look idle: protected by role
        admin.platform_roles = ("atlassian/site-admin",)
        if n == 1:
            admin.platform_roles += ("atlassian/org-admin",)
        yield admin


def _named_people() -> Iterator[_Person]:
    for email, name, idle in NAMED_PEOPLE:
        yield _Person(name, email, {"jsw-acme", "staff"}, [] if idle is None else [_jira(idle)])


def _app(index: int) -> _Person:
    name = APP_NAMES[index % len(APP_NAMES)]
    email = f"app-{index}@connect.atlassian.example"
    return _Person(
        name, email, {"jsw-acme"}, [("acme", "jira-software", 1 + index % 30)], account_type="app"
    )


def _customer(index: int) -> _Person:
    return _Person(
        f"Customer {index}", f"customer{index}@customer.example", account_type="customer"
    )


# Share of regular people per kind; each kind is a way real accounts look to the reconciler.
PERSONAS = (
    ("daily", 0.45),
    ("recent", 0.14),
    ("idle", 0.11),
    ("long-idle", 0.08),
    ("confluence-only", 0.05),
    ("other-site", 0.04),
    ("never", 0.05),
    ("agent", 0.04),
    ("sso-only", 0.02),
    ("labs-only", 0.02),
)
PERSONA_NAMES = tuple(name for name, _ in PERSONAS)
PERSONA_CUMULATIVE = tuple(itertools.accumulate(weight for _, weight in PERSONAS))


_Shape = Callable[[_Person, random.Random], None]


def _regular(rng: random.Random, names: Counter[tuple[str, str]]) -> _Person:
    person = _named_person(rng, names)
    persona = rng.choices(PERSONA_NAMES, cum_weights=PERSONA_CUMULATIVE)[0]
    _PERSONA_SHAPES[persona](person, rng)
    _add_org_groups(person, rng)
    _add_account_state(person, rng)
    return person


def _named_person(rng: random.Random, names: Counter[tuple[str, str]]) -> _Person:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    names[(first, last)] += 1
    count = names[(first, last)]
    local = f"{first}.{last}".lower().replace("ü", "ue") + ("" if count == 1 else str(count))
    return _Person(f"{first} {last}", f"{local}@{DOMAIN}")


def _daily(person: _Person, rng: random.Random) -> None:
    person.groups.add("jsw-acme")
    person.activity.append(("acme", "jira-software", rng.expovariate(1 / 2.5)))
    if rng.random() < 0.5:
        person.groups.add("conf-acme")
        person.activity.append(("acme", "confluence", rng.expovariate(1 / 4)))
    if rng.random() < 0.06:
        person.groups.add("testers")  # a second group granting the same product


def _idle_between(low: float, high: float) -> _Shape:
    def shape(person: _Person, rng: random.Random) -> None:
        person.groups.add("jsw-acme")
        person.activity.append(("acme", "jira-software", rng.uniform(low, high)))

    return shape


def _confluence_only(person: _Person, rng: random.Random) -> None:
    person.groups.update({"jsw-acme", "conf-acme"})
    person.activity.append(("acme", "confluence", rng.uniform(0, 10)))
    if rng.random() < 0.6:
        person.activity.append(("acme", "jira-software", rng.uniform(150, 600)))


def _other_site(person: _Person, rng: random.Random) -> None:
    idle_here = rng.uniform(90, 400)
    # The longest idle here hold the other site through the group granting both.
    person.groups.update({"jsw-acme", "jsw-all" if idle_here > 330 else "jsw-labs"})
    person.activity.append(("acme", "jira-software", idle_here))
    person.activity.append(("acme-labs", "jira-software", rng.uniform(0, 10)))


def _never(person: _Person, rng: random.Random) -> None:
    person.groups.add("jsw-acme")
    # Some joined within the usual grace period, most long ago and never looked.
    person.added_days = rng.uniform(0, 25) if rng.random() < 0.4 else rng.uniform(60, 700)


def _agent(person: _Person, rng: random.Random) -> None:
    person.groups.add("jsm-acme")
    idle = rng.expovariate(1 / 5) if rng.random() < 0.7 else rng.uniform(60, 200)
    person.activity.append(("acme", "jira-servicedesk", idle))


def _sso_only(person: _Person, rng: random.Random) -> None:
    person.groups.add("sso")
    person.activity.append(("acme", "jira-software", rng.uniform(0, 200)))


def _labs_only(person: _Person, rng: random.Random) -> None:
    person.groups.update({"jsw-labs", "conf-labs"})
    person.activity.append(("acme-labs", "jira-software", rng.uniform(0, 120)))
    if rng.random() < 0.3:
        person.groups.add("jsm-labs")
        person.activity.append(("acme-labs", "jira-servicedesk", rng.uniform(0, 60)))


_PERSONA_SHAPES: dict[str, _Shape] = {
    "daily": _daily,
    "recent": _idle_between(8, 45),
    "idle": _idle_between(46, 180),
    "long-idle": _idle_between(181, 900),
    "confluence-only": _confluence_only,
    "other-site": _other_site,
    "never": _never,
    "agent": _agent,
    "sso-only": _sso_only,
    "labs-only": _labs_only,
}


def _add_org_groups(person: _Person, rng: random.Random) -> None:
    person.groups.add("contractors" if rng.random() < 0.12 else "staff")
    if "jsw-acme" in person.groups and rng.random() < 0.08:
        person.groups.add("sso")
    if "jsw-acme" in person.groups and rng.random() < 0.01:
        person.groups.add("release")
    if "jsw-acme" in person.groups and rng.random() < 0.005:
        person.groups.add("jira-admins")


def _add_account_state(person: _Person, rng: random.Random) -> None:
    draw = rng.random()
    if draw < 0.015:
        person.status = "suspended"
    elif draw < 0.02:
        person.status = "deactivated"
    if rng.random() < 0.03:
        person.email = None  # an external account whose owner hides the address


def _account(person: _Person, *, rng: random.Random, now: datetime) -> Account:
    oldest = max((days for _, _, days in person.activity), default=0.0)
    added = person.added_days if person.added_days is not None else oldest + rng.uniform(5, 900)
    activity = [
        Activity(site=site, product=product, last_active=_days_before(now, days))
        for site, product, days in sorted(person.activity)
    ]
    return Account(
        account_id=_account_id(rng),
        email=person.email,
        name=person.name,
        account_type=person.account_type,
        status=person.status,
        platform_roles=tuple(sorted(person.platform_roles)),
        added_to_org=_days_before(now, added),
        groups=tuple(sorted(GROUPS[key].id for key in person.groups)),
        activity=tuple(activity),
    )


def _account_id(rng: random.Random) -> str:
    """Atlassian's `557058:<uuid4>` form, formatted by hand: uuid.UUID is slow at 100,000."""
    text = f"{rng.getrandbits(128):032x}"
    return f"557058:{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:]}"


def _days_before(now: datetime, days: float) -> datetime:
    return now - timedelta(seconds=int(days * 86400))


# Seats bought per (site, product): a little above use, as a licence admin buys them; None =
# unlimited (Confluence here), so both kinds of application role appear.
HEADROOM = {"jira-software": 1.04, "jira-servicedesk": 1.10, "confluence": None}


def _seats(accounts: list[Account]) -> tuple[Seats, ...]:
    used = _seats_in_use(accounts)
    seats = []
    for site in SITES:
        for product in PRODUCTS:
            factor = HEADROOM[product]
            count = used[(site.name, product)]
            limit = None if factor is None else math.ceil(count * factor) + 2
            seats.append(Seats(site=site.name, product=product, limit=limit))
    return tuple(seats)


def _seats_in_use(accounts: list[Account]) -> Counter[tuple[str, str]]:
    by_id = {g.id: g for g in GROUPS.values()}
    used: Counter[tuple[str, str]] = Counter()
    for account in accounts:
        if account.status != "active" or account.account_type in SEATLESS_TYPES:
            continue
        used.update({seat for g in account.groups for seat in by_id[g].seats})
    return used
