"""Benchmark: reconcile 100,000 accounts under 10 policies (run with `make bench`).

Target (issue: foundation): <= 1.0 s wall time and <= 400 MB peak RSS on a 2-core machine.
Prints the figures and their ratio to the bound; asserts nothing about time.
"""

from __future__ import annotations

import gc
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from controller.core.ledger import Ledger
from controller.core.policy.models import InactivityPolicy, Organization
from controller.core.policy.policy_set import PolicySet
from controller.core.reconcile import reconcile
from controller.core.snapshot import Account, Activity, Group, GroupGrant, Inventory, Site
from tests.benchmarks.peak_memory import own_peak_rss_mb

ACCOUNTS = 100_000
SITES = [f"site{n}" for n in range(5)]
PRODUCTS = ["jira-software", "jira-servicedesk"]
NOW = datetime(2026, 11, 23, 6, tzinfo=UTC)
TIME_BOUND_S = 1.0
RSS_BOUND_MB = 400


def idle_days(rnd: random.Random) -> int | None:
    """A long tail, as in an organization that has never been cleaned up: most people use the
    product every week, a sixth drift away, a tenth are long gone, a few never started."""
    draw = rnd.random()
    if draw < 0.70:
        return rnd.randint(0, 30)
    if draw < 0.85:
        return rnd.randint(31, 90)
    if draw < 0.95:
        return rnd.randint(91, 400)
    return None


def build_inventory(seed: int = 1) -> Inventory:
    rnd = random.Random(seed)
    groups = [
        Group(
            id=f"g-{site}-{product}",
            name=f"{product}-users-{site}",
            grants=(GroupGrant(site=site, product=product),),
        )
        for site in SITES
        for product in PRODUCTS
    ]
    accounts = []
    for n in range(ACCOUNTS):
        held = rnd.sample(groups, k=rnd.choice([1, 2, 2, 3]))
        activity = tuple(
            Activity(
                site=g.grants[0].site,
                product=g.grants[0].product,
                last_active=NOW - timedelta(days=idle),
            )
            for g in held
            if (idle := idle_days(rnd)) is not None
        )
        accounts.append(
            Account(
                account_id=f"557058:{n:032x}",
                email=f"user{n}@acme.example" if rnd.random() < 0.95 else None,
                name=f"User {n}",
                account_type="atlassian" if rnd.random() < 0.97 else "app",
                platform_roles=("atlassian/site-admin",) if rnd.random() < 0.01 else (),
                added_to_org=NOW - timedelta(days=rnd.randint(1, 2000)),
                groups=tuple(g.id for g in held),
                activity=activity,
            )
        )
    sites = tuple(
        Site(name=s, url=f"https://{s}.atlassian.net", cloud_id=f"cloud-{s}") for s in SITES
    )
    return Inventory(
        taken_at=NOW, org_id="org", sites=sites, groups=tuple(groups), accounts=tuple(accounts)
    )


def build_policies() -> PolicySet:
    org = Organization.model_validate(
        {
            "version": 1,
            "kind": "Organization",
            "org_id": "org",
            "sites": [
                {"name": s, "url": f"https://{s}.atlassian.net", "cloud_id": f"cloud-{s}"}
                for s in SITES
            ],
        }
    )
    policies = tuple(
        InactivityPolicy(
            version=1,
            kind="InactivityPolicy",
            name=f"{product}-{site}",
            site=site,
            product=product,
            inactive_after_days=60 + 15 * index,
            warn_before_days=7 if index % 2 else 0,
        )
        for index, (site, product) in enumerate((s, p) for s in SITES for p in PRODUCTS)
    )
    return PolicySet(organization=org, inactivity=policies)


def measure() -> str:
    """Build the organization, reconcile it three times, and describe what it cost."""
    started = time.perf_counter()
    inventory, policies = build_inventory(), build_policies()
    setup = time.perf_counter() - started
    timings = []
    plan = None
    for _ in range(3):
        gc.collect()
        started = time.perf_counter()
        plan = reconcile(policies, inventory, ledger=Ledger(), now=NOW)
        timings.append(time.perf_counter() - started)
    assert plan is not None
    best, rss = min(timings), own_peak_rss_mb()
    return (
        f"reconcile: {ACCOUNTS:,} accounts x {len(policies.inactivity)} policies -> "
        f"{len(plan.actions):,} actions, {len(plan.skipped):,} skipped\n"
        f"  inventory setup {setup:.2f} s (not part of reconcile)\n"
        f"  reconcile wall time best {best:.3f} s, runs {', '.join(f'{t:.3f}' for t in timings)} s "
        f"= {best / TIME_BOUND_S:.2f}x the {TIME_BOUND_S} s bound\n"
        f"  peak RSS of the process {rss:.0f} MB "
        f"= {rss / RSS_BOUND_MB:.2f}x the {RSS_BOUND_MB} MB bound"
    )


def test_reconcile_100k_accounts_10_policies() -> None:
    # A process of its own, whose own peak RSS (VmHWM, not ru_maxrss: tests/benchmarks/
    # peak_memory.py) holds nothing of what other benchmarks allocated.
    done = subprocess.run(
        [sys.executable, "-c", f"import {__name__} as bench; print(bench.measure())"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    print("\n" + done.stdout.strip())
