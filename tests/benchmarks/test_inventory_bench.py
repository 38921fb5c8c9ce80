"""Benchmark: read a 100,000-account organization through the simulator (run with `make bench`).

Simulator: 50 ms latency, 100 requests/s per API family (burst 10). Targets: wall time within
1.25x of the floor (requests / rate limit) and requests within 1.05x of the minimal count. At
20,000 and 100,000 accounts, a read for the example policies (what `accessctl inventory` and
`plan` do: `last-active-dates` only where the answer can change a decision) against a full read
(every seat holder the search shows no activity for, as before). Then, on 5,000 accounts,
accessctl against the naive script (Jira `group/member` for each granting group, then
`last-active-dates` per account, sequentially). Prints figures; asserts only that the
inventories are right.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from controller.adapters.atlassian import AtlassianClient, Credentials, fetch_inventory
from controller.core.ledger import Ledger
from controller.core.policy import load_policies
from controller.core.policy.models import Organization
from controller.core.reconcile.activity_needs import EVERY_SEAT, ActivityNeeds, activity_needs
from controller.core.reconcile.protected_accounts import refs
from controller.core.snapshot import SEATLESS_TYPES, Inventory
from controller.sim.atlassian import SimConfig, create_app, site_url_template
from controller.sim.generate import generate_org
from controller.sim.server import running

ROOT = Path(__file__).parents[2]
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
LAST_ACTIVE = "GET /admin/v1/orgs/{org_id}/directory/users/{account_id}/last-active-dates"
RATE = 100.0
CONFIG = SimConfig(latency_ms=50, rate_limit_rps=RATE)
BIG = 100_000
SMALL = 5_000


def example_needs() -> tuple[Organization, ActivityNeeds]:
    """The example policies (their Organization is the generator's) and an empty ledger."""
    policies = load_policies([ROOT / "policies"], today=NOW.date()).policies
    return policies.organization, activity_needs(policies, Ledger(), today=NOW.date())


def credentials(base: str) -> Credentials:
    """A classic Jira token, at the sites (the example Organization's `jira_api: site`)."""
    return Credentials(
        admin_api_key=CONFIG.admin_key,
        jira_email=CONFIG.jira_email,
        jira_api_token=CONFIG.jira_token,
        api_base=base,
        site_url_template=site_url_template(base),
    )


def minimal_requests(seed: Inventory, *, needs: ActivityNeeds) -> tuple[int, str]:
    """The fewest requests any reader needs, and how that number is made up."""
    pages = math.ceil(len(seed.accounts) / 100)
    fallbacks = lookups_needed(seed, needs=needs)
    sites = len(seed.sites)
    group_pages = math.ceil(len(seed.groups) / 100)
    groups = len(seed.groups)
    which = "every seat" if needs.every_seat else "a seat whose activity can decide"
    how = (
        f"1 directories (what `directory: auto` names) + {pages} users/search pages "
        f"(ceil({len(seed.accounts)}/100)) + {sites} applicationrole"
        f" + {group_pages} groups/search + {groups} role-assignments (one per group: Confluence"
        f" grants) + {fallbacks} last-active-dates (active holders of {which} the search shows"
        " no activity for: never used the product)"
    )
    return 1 + pages + sites + group_pages + groups + fallbacks, how


def lookups_needed(seed: Inventory, *, needs: ActivityNeeds) -> int:
    """Accounts holding a seat that `needs` names and the search shows no activity for."""
    granting = {g.id: set(g.seats) for g in seed.groups}
    count = 0
    for account in seed.accounts:
        if account.status != "active" or account.account_type in SEATLESS_TYPES:
            continue
        held = {seat for g in account.groups for seat in granting.get(g, ())}
        deciding = needs.seats_that_decide(held, refs=refs(account))
        count += not deciding <= {(a.site, a.product) for a in account.activity}
    return count


def stats(base: str) -> dict[str, Any]:
    return dict(httpx.get(f"{base}/__sim/stats").json())


def reset(base: str) -> None:
    httpx.post(f"{base}/__sim/reset").raise_for_status()


def timed_accessctl(base: str, *, needs: ActivityNeeds) -> tuple[float, Inventory]:
    organization, _ = example_needs()
    start = time.monotonic()
    with AtlassianClient(credentials(base)) as client:
        inventory = fetch_inventory(organization, client=client, taken_at=NOW, needs=needs)
    return time.monotonic() - start, inventory


def naive_script(base: str, seed: Inventory) -> tuple[float, int]:
    """What most scripts do (atlassian-api.md §6.1): members of the granting groups, then one
    last-active-dates call per member, one request after another."""
    start = time.monotonic()
    jira = httpx.Client(auth=(CONFIG.jira_email, CONFIG.jira_token), timeout=30)
    admin = httpx.Client(headers={"Authorization": f"Bearer {CONFIG.admin_key}"}, timeout=30)
    members: set[str] = set()
    for site in seed.sites:
        api = f"{site_url_template(base).replace('{site}', site.name)}/rest/api/3"
        roles = jira.get(f"{api}/applicationrole").json()
        for group_id in {d["groupId"] for r in roles for d in r["groupDetails"]}:
            start_at = 0
            while True:
                page = jira.get(
                    f"{api}/group/member",
                    params={"groupId": group_id, "startAt": start_at, "maxResults": 50},
                ).json()
                members.update(v["accountId"] for v in page["values"])
                start_at += len(page["values"])
                if page["isLast"] or not page["values"]:
                    break
    for account_id in sorted(members):
        url = f"{base}/admin/v1/orgs/{seed.org_id}/directory/users/{account_id}/last-active-dates"
        admin.get(url).raise_for_status()
    jira.close()
    admin.close()
    return time.monotonic() - start, len(members)


@pytest.mark.parametrize("users", [20_000, BIG], ids=["20k", "100k"])
def test_inventory_for_the_policies_against_a_full_read(users: int) -> None:
    seed = generate_org(users, 42, now=NOW)
    _, needs = example_needs()
    with running(create_app(seed, CONFIG)) as base:
        wall, inventory = timed_accessctl(base, needs=needs)
        counted = stats(base)
        reset(base)
        full_wall, full = timed_accessctl(base, needs=EVERY_SEAT)
        full_counted = stats(base)
    print(f"\n== accessctl inventory, {len(seed.accounts):,} accounts, 50 ms, {RATE:.0f} req/s ==")
    print("-- for the example policies (what `inventory` and `plan` read) --")
    report(wall, counted, seed=seed, needs=needs)
    print("-- full read (every seat holder; before reads were scoped to the policies) --")
    report(full_wall, full_counted, seed=seed, needs=EVERY_SEAT)
    scoped_calls, full_calls = (c["requests"].get(LAST_ACTIVE, 0) for c in (counted, full_counted))
    print(
        f"last-active-dates   {scoped_calls:8,d} for the policies, {full_calls:,d} full "
        f"({scoped_calls / max(full_calls, 1):.2f}x); requests {counted['requests_total']:,d} "
        f"against {full_counted['requests_total']:,d} "
        f"({counted['requests_total'] / full_counted['requests_total']:.2f}x)"
    )
    assert inventory == full  # the generated org's search shows all activity: nothing is lost
    assert len(inventory.accounts) == len(seed.accounts)


def report(wall: float, counted: dict[str, Any], *, seed: Inventory, needs: ActivityNeeds) -> None:
    requests = counted["requests_total"]
    minimal, how = minimal_requests(seed, needs=needs)
    floor = requests / RATE
    print(f"wall time           {wall:8.1f} s")
    print(f"requests            {requests:8,d}   (429s: {counted['responses_429']})")
    for route, count in counted["requests"].items():
        print(f"  {count:8,d}  {route}")
    print(f"floor               {floor:8.1f} s   (requests / {RATE:.0f} per s)")
    print(f"wall / floor        {wall / floor:8.2f}    (target <= 1.25)")
    print(f"minimal requests    {minimal:8,d}   = {how}")
    print(f"requests / minimal  {requests / minimal:8.3f}    (target <= 1.05)")
    search_pages = math.ceil(len(seed.accounts) / 100)
    print(
        f"note: users/search is cursor-paged, so its {search_pages} pages are sequential: "
        f"at least {search_pages * 0.05:.0f} s at 50 ms each; every other call runs beside it "
        "(each API family has its own rate limit in the simulator)."
    )


def test_accessctl_against_the_naive_script_on_5000_accounts() -> None:
    seed = generate_org(SMALL, 43, now=NOW)
    with running(create_app(seed, CONFIG)) as base:
        ours, inventory = timed_accessctl(base, needs=example_needs()[1])
        our_requests = stats(base)["requests_total"]
        reset(base)
        naive, members = naive_script(base, seed)
        naive_requests = stats(base)["requests_total"]
    print(f"\n== {len(seed.accounts):,} accounts, 50 ms latency, {RATE:.0f} req/s ==")
    print(
        f"accessctl      {ours:7.1f} s  {our_requests:6,d} requests "
        "(full inventory, activity where the example policies can use it)"
    )
    print(
        f"naive script   {naive:7.1f} s  {naive_requests:6,d} requests "
        f"(activity of {members:,} group members only)"
    )
    ratio = naive_requests / our_requests
    print(f"naive / accessctl  {naive / ours:5.1f}x time, {ratio:5.1f}x requests")
    assert len(inventory.accounts) == len(seed.accounts)
