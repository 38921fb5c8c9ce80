"""Benchmark: apply 5,000 revocations against the simulator at its rate limit (`make bench`).

Simulator: 50 ms latency, 100 requests/s per API family (a bucket of 10). The plan revokes 5,000
idle Jira Software seats (one group each); apply re-checks those accounts (searches of
`ACCOUNT_IDS_PER_SEARCH` accounts), counts the seats in use, then removes each membership, the
writes side by side through the client's pool and pacer. Target: wall time within 1.25x of the
floor (the busiest family's requests / its rate limit) and requests within a few of the minimum
(every re-check read batched, one write per membership). Then, on 500 revocations, the writes
side by side against one at a time (what apply did before). Prints the figures and ratios;
asserts only that the organization ends exactly as planned.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from controller.adapters.atlassian import AtlassianClient, AtlassianDirectory, Credentials
from controller.adapters.atlassian.batch_sizes import ACCOUNT_IDS_PER_SEARCH
from controller.adapters.state_dir import StateDir
from controller.app.executor import ApplyRun, apply_plan
from controller.core.ledger import Ledger
from controller.core.plan.seal import PlanKey, seal_plan
from controller.core.policy.models import InactivityPolicy, Organization
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.reconcile.activity_needs import activity_needs
from controller.core.snapshot import Account, Activity, Group, GroupGrant, Inventory
from controller.sim.atlassian import SimConfig, create_app, site_url_template
from controller.sim.generate import ORG_ID, SITES
from controller.sim.server import running

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
RATE = 100.0
CONFIG = SimConfig(latency_ms=50, rate_limit_rps=RATE)
REVOCATIONS = 5_000
ACTIVE = 1_000
TARGET = 1.25
KEY = PlanKey.from_text("benchmark-plan-key-0123456789abcdef0123")
JSW = Group(
    id="g-jsw",
    name="jira-software-users-acme",
    grants=(GroupGrant(site="acme", product="jira-software"),),
)
STAFF = Group(id="g-staff", name="staff")


COMPARED = 500


def person(n: int, *, idle_days: int) -> Account:
    when = NOW - timedelta(days=idle_days)
    return Account(
        account_id=f"557058:{n:08d}-0000-4000-8000-000000000000",
        email=f"person{n}@acme.example",
        name=f"Person {n:05d}",
        added_to_org=NOW - timedelta(days=800),
        groups=("g-jsw", "g-staff"),
        activity=(Activity(site="acme", product="jira-software", last_active=when),),
    )


def organization_to_clean(revocations: int = REVOCATIONS) -> Inventory:
    idle = [person(n, idle_days=200) for n in range(revocations)]
    active = [person(REVOCATIONS + n, idle_days=3) for n in range(ACTIVE)]
    return Inventory(
        taken_at=NOW, org_id=ORG_ID, sites=SITES, groups=(JSW, STAFF), accounts=(*idle, *active)
    )


def policies() -> PolicySet:
    organization = Organization.model_validate(
        {
            "version": 1,
            "kind": "Organization",
            "org_id": ORG_ID,
            "sites": [s.model_dump() for s in SITES],
            "safety": {"max_revocation_fraction": 1.0},
        }
    )
    policy = InactivityPolicy.model_validate(
        {
            "version": 1,
            "kind": "InactivityPolicy",
            "name": "jsw-60",
            "site": "acme",
            "product": "jira-software",
            "inactive_after_days": 60,
        }
    )
    return PolicySet(organization=organization, inactivity=(policy,))


def credentials(base: str) -> Credentials:
    return Credentials(
        admin_api_key=CONFIG.admin_key,
        jira_email=CONFIG.jira_email,
        jira_api_token=CONFIG.jira_token,
        api_base=base,
        site_url_template=site_url_template(base),
    )


def family_of(route: str) -> str:
    if route.startswith("GET /site/") or route.startswith("GET /ex/jira/"):
        return "jira"
    return "admin-v1" if "/admin/v1/" in route else "admin-v2"


def minimal_requests(seed: Inventory, *, revocations: int) -> tuple[int, str]:
    searches = math.ceil(revocations / ACCOUNT_IDS_PER_SEARCH)
    groups = len(seed.groups)
    total = 1 + searches + 1 + groups + len(seed.sites) + 1 + revocations
    how = (
        f"1 directories + {searches} users/search (ceil({revocations}/{ACCOUNT_IDS_PER_SEARCH})) "
        f"+ 1 groups/search + {groups} role-assignments + {len(seed.sites)} applicationrole + "
        f"1 users/count (the seats in use) + {revocations} membership DELETEs"
    )
    return total, how


def timed_apply(
    tmp_path: Path, *, revocations: int, workers: int | None = None
) -> tuple[float, dict[str, Any], int]:
    """Plan `revocations`, apply them against a fresh simulator; wall time, its counters and
    the workers used (the client's requests in flight unless given)."""
    seed = organization_to_clean(revocations)
    policy_set = policies()
    plan = seal_plan(reconcile(policy_set, seed, ledger=Ledger(), now=NOW), KEY)
    assert sum(a.action == "revoke" for a in plan.actions) == revocations
    with running(create_app(seed, CONFIG)) as base, AtlassianClient(credentials(base)) as client:
        needs = activity_needs(policy_set, Ledger(), today=NOW.date())
        directory = AtlassianDirectory(
            client, policy_set.organization, needs=needs, clock=lambda: NOW
        )
        run = ApplyRun(
            plan=plan,
            policies=policy_set,
            directory=directory,
            state=StateDir(tmp_path / f"state-{revocations}-{workers}"),
            now=NOW,
            key=KEY,
            workers=workers or client.max_in_flight,
        )
        start = time.monotonic()
        report = apply_plan(run)
        wall = time.monotonic() - start
        counted: dict[str, Any] = httpx.get(f"{base}/__sim/stats").json()
        after = Inventory.model_validate_json(httpx.get(f"{base}/__sim/inventory").content)
    assert report.count("done") == revocations, report.headline()
    assert sum("g-jsw" in a.groups for a in after.accounts) == ACTIVE
    return wall, counted, run.workers


def test_apply_5000_revocations_at_the_rate_limit(tmp_path: Path) -> None:
    wall, counted, workers = timed_apply(tmp_path, revocations=REVOCATIONS)
    show(wall, counted, revocations=REVOCATIONS, workers=workers)


def test_side_by_side_against_one_write_at_a_time(tmp_path: Path) -> None:
    together, counted, workers = timed_apply(tmp_path, revocations=COMPARED)
    alone, counted_alone, _ = timed_apply(tmp_path, revocations=COMPARED, workers=1)
    print(f"\n== accessctl apply: {COMPARED} revocations, side by side against one at a time ==")
    show(together, counted, revocations=COMPARED, workers=workers)
    show(alone, counted_alone, revocations=COMPARED, workers=1)
    print(f"one at a time / side by side   {alone / together:5.1f}x the wall time")


def show(wall: float, counted: dict[str, Any], *, revocations: int, workers: int) -> None:
    per_family: Counter[str] = Counter()
    for route, count in counted["requests"].items():
        per_family[family_of(route)] += count
    busiest, busiest_count = per_family.most_common(1)[0]
    floor = busiest_count / RATE
    requests = counted["requests_total"]
    minimal, how = minimal_requests(organization_to_clean(revocations), revocations=revocations)
    print(
        f"\n-- {revocations:,} revocations, 50 ms latency, {RATE:.0f} req/s, {workers} workers --"
    )
    print(f"wall time           {wall:8.1f} s")
    print(f"requests            {requests:8,d}   (429s: {counted['responses_429']})")
    for route, count in sorted(counted["requests"].items(), key=lambda item: -item[1]):
        print(f"  {count:8,d}  {route}")
    for family, count in sorted(per_family.items()):
        print(f"  {count:8,d}  in family {family} (floor {count / RATE:.1f} s)")
    print(f"floor               {floor:8.1f} s   ({busiest} requests / {RATE:.0f} per s)")
    print(f"wall / floor        {wall / floor:8.2f}    (target <= {TARGET})")
    print(f"minimal requests    {minimal:8,d}   = {how}")
    print(f"requests / minimal  {requests / minimal:8.3f}")
