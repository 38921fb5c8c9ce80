"""The connector against the Atlassian simulator over real HTTP on 127.0.0.1.

The fetched inventory must equal the seed, with one thing projected out: the seat LIMIT of
products other than Jira. Jira's `applicationrole` reports Jira's (`numberOfSeats`); Confluence's
grants come from the Admin API's group role assignments, which carry no seat figures, so the
connector writes None for them. The generated seeds buy unlimited Confluence (limit None), so
for them the projection changes nothing; a seed with a Confluence limit would differ only there.
Everything else is compared as is: groups with every product they grant (Jira and Confluence),
their IdP flag (from the v2 group search), seats per (site, product), accounts and activity.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from controller.adapters.atlassian import (
    AtlassianClient,
    AtlassianDirectory,
    fetch_inventory,
)
from controller.adapters.http_boundary.errors import Forbidden, Rejected
from controller.adapters.state_dir import StateDir
from controller.app.cli import main
from controller.core.errors import ExitCode
from controller.core.ledger import Ledger, RemovalRecord, WarningRecord
from controller.core.plan.model import GroupRef, Plan
from controller.core.policy import PolicySet, load_policies
from controller.core.policy.models import AccessGrant, AccessGrants, JiraApi, Organization
from controller.core.reconcile import reconcile
from controller.core.reconcile.activity_needs import EVERY_SEAT, ActivityNeeds, activity_needs
from controller.core.reconcile.protected_accounts import refs
from controller.core.snapshot import SEATLESS_TYPES, Account, Inventory, parse_inventory
from controller.sim.atlassian import SimConfig
from controller.sim.atlassian.products import JIRA_PRODUCTS
from controller.sim.generate import generate_org
from tests.integration.sim_atlassian_support import AtlassianSim, ServeAtlassian

pytestmark = pytest.mark.integration

ROOT = Path(__file__).parents[2]
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
SIM = SimConfig()


def organization() -> Organization:
    return load_policies([ROOT / "policies"], today=NOW.date()).policies.organization


def as_the_apis_show_it(seed: Inventory) -> Inventory:
    """The seed without what no API we read can tell: seat limits of non-Jira products."""
    seats = tuple(
        s if s.product in JIRA_PRODUCTS else s.model_copy(update={"limit": None})
        for s in seed.seats
    )
    return seed.model_copy(update={"seats": seats})


def seat_holders_missing_activity(
    seed: Inventory, *, needs: ActivityNeeds = EVERY_SEAT
) -> set[str]:
    """Accounts the last-active-dates fallback must read: the minimum the connector may call."""
    granting = {g.id: set(g.seats) for g in seed.groups}
    missing = set()
    for account in seed.accounts:
        if account.status != "active" or account.account_type in SEATLESS_TYPES:
            continue
        held = {seat for g in account.groups for seat in granting.get(g, ())}
        deciding = needs.seats_that_decide(held, refs=refs(account))
        shown = {(a.site, a.product) for a in account.activity}
        if not deciding <= shown:
            missing.add(account.account_id)
    return missing


def minimal_requests(seed: Inventory, *, searches: int) -> int:
    """Every call the connector cannot do without, for a read that needs `searches` pages."""
    return (
        1  # directories: the one directory `directory: auto` stands for
        + searches  # users/search pages
        + len(seed.sites)  # applicationrole: Jira grants and seat limits per site
        + math.ceil(len(seed.groups) / 100)  # groups/search: ids, names, IdP flag
        + len(seed.groups)  # role-assignments, one per group: Confluence grants
    )


def read(
    served: AtlassianSim,
    *,
    needs: ActivityNeeds = EVERY_SEAT,
    jira_api: JiraApi = "site",
    **client_options: Any,
) -> Inventory:
    org = organization().model_copy(update={"jira_api": jira_api})
    with AtlassianClient(served.credentials(jira_api=jira_api), **client_options) as client:
        return fetch_inventory(org, client=client, taken_at=NOW, needs=needs)


# --- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize(("users", "seed"), [(120, 1), (700, 2), (2500, 3)])
def test_the_inventory_read_through_the_api_is_the_seed(
    users: int, seed: int, atlassian_sim: ServeAtlassian
) -> None:
    org = generate_org(users, seed, now=NOW)
    served = atlassian_sim(org, SIM)
    fetched = read(served)
    stats = served.stats()
    assert fetched == as_the_apis_show_it(org)
    minimal = minimal_requests(org, searches=math.ceil(len(org.accounts) / 100)) + len(
        seat_holders_missing_activity(org)  # last-active-dates
    )
    assert stats["requests_total"] == minimal


@pytest.mark.parametrize(
    ("jira_api", "route"),
    [
        ("site", "GET /site/{site}/rest/api/3/applicationrole"),
        ("gateway", "GET /ex/jira/{cloud_id}/rest/api/3/applicationrole"),
    ],
)
def test_both_token_kinds_read_the_same_inventory_each_at_its_door(
    jira_api: JiraApi, route: str, atlassian_sim: ServeAtlassian
) -> None:
    org = generate_org(150, 8, now=NOW)
    served = atlassian_sim(org, SIM)
    fetched = read(served, jira_api=jira_api)
    jira_routes = {r: n for r, n in served.stats()["requests"].items() if "/rest/api/3/" in r}
    assert fetched == as_the_apis_show_it(org)
    assert jira_routes == {route: len(org.sites)}


def test_activity_the_search_leaves_out_is_read_for_seat_holders(
    atlassian_sim: ServeAtlassian,
) -> None:
    org = generate_org(600, 4, now=NOW)
    config = SimConfig(product_access_gap=0.3)
    served = atlassian_sim(org, config)
    fetched = read(served)
    calls = served.stats()["requests"]
    expected = {a.account_id: a for a in as_the_apis_show_it(org).accounts}
    route = "GET /admin/v1/orgs/{org_id}/directory/users/{account_id}/last-active-dates"
    seat_holders = {
        a.account_id
        for a in fetched.accounts
        if a.status == "active"
        and a.account_type not in SEATLESS_TYPES
        and any(g.grants for g in fetched.groups if g.id in a.groups)
    }
    for account_id in seat_holders:
        assert fetched_account(fetched, account_id) == expected[account_id]
    assert 0 < calls[route] < len(seat_holders)


def fetched_account(inventory: Inventory, account_id: str) -> Account:
    return next(a for a in inventory.accounts if a.account_id == account_id)


@pytest.mark.parametrize("seed", [5, 6])
def test_the_inventory_survives_a_20_percent_fault_rate(
    seed: int, atlassian_sim: ServeAtlassian
) -> None:
    org = generate_org(300, seed, now=NOW)
    config = SimConfig(fault_rate=0.2, fault_seed=seed, slow_seconds=2.0, retry_after_seconds=1)
    served = atlassian_sim(org, config)
    fetched = read(served, timeout=0.5)
    stats = served.stats()
    assert fetched == as_the_apis_show_it(org)
    assert stats["faults_total"] > 0


def test_the_inventory_under_a_tight_rate_limit(atlassian_sim: ServeAtlassian) -> None:
    org = generate_org(1500, 7, now=NOW)
    config = SimConfig(rate_limit_rps=25, burst=5, latency_ms=5)
    served = atlassian_sim(org, config)
    fetched = read(served)
    stats = served.stats()
    assert fetched == as_the_apis_show_it(org)
    # The pacer keeps 429s rare: a storm would show as dozens.
    assert stats["responses_429"] <= 5


# --- the CLI ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "named"),
    [
        ({"ATLASSIAN_ADMIN_API_KEY": "wrong-admin-key-123456"}, "ATLASSIAN_ADMIN_API_KEY"),
        ({"JIRA_API_TOKEN": "wrong-jira-token-123456"}, "JIRA_EMAIL and JIRA_API_TOKEN"),
    ],
    ids=["admin-key", "jira-token"],
)
def test_wrong_credentials_end_in_one_clear_line_and_exit_1(
    wrong: dict[str, str], named: str, atlassian_sim: ServeAtlassian
) -> None:
    served = atlassian_sim(generate_org(50, 1, now=NOW))
    result = CliRunner().invoke(
        main, ["inventory", "--policies", str(ROOT / "policies")], env=served.environ(**wrong)
    )
    assert result.exit_code == ExitCode.FAILURE
    assert "401" in result.output
    assert named in result.output
    assert next(iter(wrong.values())) not in result.output
    assert "Traceback" not in result.output


def test_missing_credentials_are_bad_input() -> None:
    result = CliRunner().invoke(
        main,
        ["inventory", "--policies", str(ROOT / "policies")],
        env={"ATLASSIAN_ADMIN_API_KEY": "", "JIRA_EMAIL": "", "JIRA_API_TOKEN": ""},
    )
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "ATLASSIAN_ADMIN_API_KEY" in result.output


def test_inventory_command_writes_the_snapshot_and_plan_reads_live(
    tmp_path: Path, atlassian_sim: ServeAtlassian
) -> None:
    org = generate_org(200, 8, now=NOW)
    out = tmp_path / "inventory.json"
    now = ["--now", "2026-11-23T06:00:00Z"]
    policies = ["--policies", str(ROOT / "policies")]
    served = atlassian_sim(org, SIM)
    runner = CliRunner()
    written = runner.invoke(
        main, ["inventory", *policies, "--out", str(out), *now], env=served.environ()
    )
    planned = runner.invoke(
        main,
        ["plan", *policies, "--state", str(tmp_path / "state"), "--format", "json", *now],
        env=served.environ(),
    )
    assert written.exit_code == ExitCode.OK, written.output
    assert parse_inventory(out.read_bytes(), source=str(out)) == as_the_apis_show_it(org)
    assert planned.exit_code in (ExitCode.OK, ExitCode.REFUSED), planned.output


# --- the Directory port -------------------------------------------------------------------


def jira_software_user(org: Inventory) -> Account:
    jsw = next(g for g in org.groups if g.name == "jira-software-users-acme")
    sso = {g.id for g in org.groups if g.managed_by == "idp"}
    return next(
        a
        for a in org.accounts
        if jsw.id in a.groups
        and a.status == "active"
        and not sso & set(a.groups)
        and a.account_type == "atlassian"
        and a.email
    )


def test_directory_changes_the_organization_and_is_idempotent(
    atlassian_sim: ServeAtlassian,
) -> None:
    org = generate_org(150, 9, now=NOW)
    person = jira_software_user(org)
    jsw = next(g.id for g in org.groups if g.name == "jira-software-users-acme")
    served = atlassian_sim(org, SIM)
    with AtlassianClient(served.credentials()) as client:
        directory = AtlassianDirectory(client, organization(), clock=lambda: NOW)
        outcomes = [
            (
                "remove",
                directory.remove_from_group(account_id=person.account_id, group_id=jsw).outcome,
            ),
            (
                "remove",
                directory.remove_from_group(account_id=person.account_id, group_id=jsw).outcome,
            ),
        ]
        after_removal = fetched_account(served.inventory(), person.account_id)
        outcomes += [
            ("add", directory.add_to_group(account_id=person.account_id, group_id=jsw).outcome),
            ("add", directory.add_to_group(account_id=person.account_id, group_id=jsw).outcome),
            ("suspend", directory.suspend(account_id=person.account_id).outcome),
            ("suspend", directory.suspend(account_id=person.account_id).outcome),
        ]
        suspended = fetched_account(served.inventory(), person.account_id)
        outcomes += [
            ("restore", directory.restore(account_id=person.account_id).outcome),
            ("restore", directory.restore(account_id=person.account_id).outcome),
        ]
        final = fetched_account(served.inventory(), person.account_id)
    assert outcomes == [
        ("remove", "done"),
        ("remove", "already"),
        ("add", "done"),
        ("add", "already"),
        ("suspend", "done"),
        ("suspend", "already"),
        ("restore", "done"),
        ("restore", "already"),
    ]
    assert jsw not in after_removal.groups
    assert suspended.status == "suspended"
    assert jsw in suspended.groups
    assert final == person


def test_fetch_accounts_is_a_complete_snapshot_of_just_those_accounts(
    atlassian_sim: ServeAtlassian,
) -> None:
    org = generate_org(400, 10, now=NOW)
    wanted = [a.account_id for a in org.accounts[:3]]
    served = atlassian_sim(org, SIM)
    with AtlassianClient(served.credentials()) as client:
        fetched = AtlassianDirectory(client, organization(), clock=lambda: NOW).fetch_accounts(
            wanted
        )
        requests = served.stats()["requests_total"]
    expected = as_the_apis_show_it(org)
    assert fetched.groups == expected.groups  # IdP-synced groups as the group search says
    assert fetched.seats == expected.seats
    assert fetched.accounts == tuple(a for a in expected.accounts if a.account_id in wanted)
    just_them = org.model_copy(update={"accounts": fetched.accounts})
    fallbacks = len(seat_holders_missing_activity(just_them))
    assert requests == minimal_requests(org, searches=1) + fallbacks


def test_an_idp_synced_group_is_refused_not_edited(atlassian_sim: ServeAtlassian) -> None:
    org = generate_org(150, 11, now=NOW)
    sso = next(g for g in org.groups if g.managed_by == "idp")
    member = next(a for a in org.accounts if sso.id in a.groups)
    served = atlassian_sim(org, SIM)
    with AtlassianClient(served.credentials()) as client:
        directory = AtlassianDirectory(client, organization(), clock=lambda: NOW)
        with pytest.raises(Forbidden) as raised:
            directory.remove_from_group(account_id=member.account_id, group_id=sso.id)
        assert sso.id in fetched_account(served.inventory(), member.account_id).groups
    assert "synced from your identity provider" in raised.value.message
    assert "organization admin" not in raised.value.message  # the key's rights are not at fault


def test_an_add_past_a_products_user_limit_is_refused_with_the_reason(
    atlassian_sim: ServeAtlassian,
) -> None:
    org = generate_org(150, 11, now=NOW)
    jsw = next(g for g in org.groups if g.name == "jira-software-users-acme")
    granting = {g.id for g in org.groups if g.grants_seat("acme", "jira-software")}

    def holds_the_seat(account: Account) -> bool:
        seated = account.status == "active" and account.account_type not in SEATLESS_TYPES
        return seated and not granting.isdisjoint(account.groups)

    outsider = next(
        a
        for a in org.accounts
        if a.account_type == "atlassian" and a.status == "active" and not holds_the_seat(a)
    )
    holders = sum(holds_the_seat(a) for a in org.accounts)
    full = tuple(
        s.model_copy(update={"limit": holders})
        if (s.site, s.product) == ("acme", "jira-software")
        else s
        for s in org.seats
    )
    served = atlassian_sim(org.model_copy(update={"seats": full}), SIM)
    with AtlassianClient(served.credentials()) as client:
        directory = AtlassianDirectory(client, organization(), clock=lambda: NOW)
        with pytest.raises(Rejected) as raised:
            directory.add_to_group(account_id=outsider.account_id, group_id=jsw.id)
    assert f"the {holders} licensed seats of jira-software on acme" in raised.value.message
    assert jsw.id not in fetched_account(served.inventory(), outsider.account_id).groups


# --- more batches than workers --------------------------------------------------------------


@pytest.mark.timeout(30)
def test_a_recheck_with_more_batches_than_workers_completes(atlassian_sim: ServeAtlassian) -> None:
    """2,600 accounts are 26 searches of 100 against a pool of 3: none may wait on work queued
    behind it (a worker blocked on the group reads queued after the searches hung forever)."""
    org = generate_org(2600, 12, now=NOW)
    wanted = [a.account_id for a in org.accounts]
    served = atlassian_sim(org, SIM)
    with AtlassianClient(served.credentials(), max_in_flight=2) as client:
        fetched = AtlassianDirectory(client, organization(), clock=lambda: NOW).fetch_accounts(
            wanted
        )
    assert fetched == as_the_apis_show_it(org)


@pytest.mark.timeout(60)
def test_directory_writes_from_many_threads_at_once(atlassian_sim: ServeAtlassian) -> None:
    """Apply may run its writes side by side: 16 threads through one directory and one client
    (4 in flight), every member removed twice at once, then added back twice at once."""
    org = generate_org(400, 13, now=NOW)
    jsw = next(g.id for g in org.groups if g.name == "jira-software-users-acme")
    members = [a.account_id for a in org.accounts if jsw in a.groups]
    twice = [account_id for account_id in members for _ in range(2)]  # side by side
    served = atlassian_sim(org, SIM)
    with AtlassianClient(served.credentials(), max_in_flight=4) as client:
        directory = AtlassianDirectory(client, organization(), clock=lambda: NOW)

        def remove(account_id: str) -> tuple[str, str]:
            return account_id, directory.remove_from_group(
                account_id=account_id, group_id=jsw
            ).outcome

        def add(account_id: str) -> tuple[str, str]:
            return account_id, directory.add_to_group(account_id=account_id, group_id=jsw).outcome

        with ThreadPoolExecutor(max_workers=16) as pool:
            removed = list(pool.map(remove, twice))
            emptied = served.inventory()
            added = list(pool.map(add, twice))
        final = served.inventory()
    assert len(members) > 50
    for outcomes in (removed, added):
        # Two identical writes at once: the later one may find the work done ("already"), or
        # be refused and confirm by reading again ("done"); never an error, never lost.
        assert {outcome for _, outcome in outcomes} <= {"done", "already"}
        assert {account for account, outcome in outcomes if outcome == "done"} == set(members)
    assert not [a for a in emptied.accounts if jsw in a.groups]
    assert final.accounts == org.accounts


# --- only the activity a plan can use -----------------------------------------------------------

# The search shows no one's activity: every decision rests on the last-active-dates look-ups.
NO_SEARCH_ACTIVITY = SimConfig(product_access_gap=1.0)
LAST_ACTIVE = "GET /admin/v1/orgs/{org_id}/directory/users/{account_id}/last-active-dates"
WARNED_AT = NOW - timedelta(days=10)


def ungoverned_seat_holders(seed: Inventory, policies: PolicySet) -> list[Account]:
    """Active people whose seats no InactivityPolicy governs: only the ledger or an access
    grant can make their activity count."""
    governed = {(p.site, p.product) for p in policies.inactivity}
    granting = {g.id: set(g.seats) for g in seed.groups}
    return [
        a
        for a in seed.accounts
        if a.status == "active"
        and a.account_type == "atlassian"
        and (held := {seat for g in a.groups for seat in granting.get(g, ())})
        and not held & governed
    ]


def warning(
    account: Account, *, site: str, product: str, policy: str, warned_at: datetime = WARNED_AT
) -> WarningRecord:
    return WarningRecord(
        account_id=account.account_id,
        site=site,
        product=product,
        policy=policy,
        warned_at=warned_at,
        revoke_not_before=warned_at + timedelta(days=7),
    )


def a_ledger_that_reads_activity(seed: Inventory, policies: PolicySet) -> Ledger:
    """Warnings and removals that make every rule read activity: revokes of warned seats and
    warnings cleared by activity (governed), warnings on a seat no policy governs any more, and
    removals a RestorePolicy gives back when the person is active anywhere."""
    jsw = next(g for g in seed.groups if g.name == "jira-software-users-acme")
    holders = [a for a in seed.accounts if jsw.id in a.groups and a.status == "active"]
    ungoverned = ungoverned_seat_holders(seed, policies)
    governed = [
        warning(a, site="acme", product="jira-software", policy="jira-software-60d")
        for a in holders[:60]
    ]
    # A policy deleted since: cleared either way, the reason says whether they were active since.
    retired = [
        warning(
            a,
            site="acme-labs",
            product="jira-software",
            policy="a-retired-policy",
            warned_at=NOW - timedelta(days=365),
        )
        for a in ungoverned[::3]
    ]
    removals = [
        RemovalRecord(
            account_id=a.account_id,
            site="acme",
            product="jira-software",
            policy="jira-software-60d",
            groups=(GroupRef(id=jsw.id, name=jsw.name),),
            removed_at=NOW - timedelta(days=20),
            plan_id="p-earlier",
        )
        for a in ungoverned[1::3]
    ]
    return Ledger(warnings=(*governed, *retired), removals=tuple(removals))


def with_grants_for(policies: PolicySet, accounts: list[Account]) -> PolicySet:
    """An AccessGrants document for these people: a grant's evidence is their latest activity."""
    grants = AccessGrants(
        version=1,
        kind="AccessGrants",
        name="round-trip",
        grants=tuple(
            AccessGrant(account=a.email or a.account_id, product="jira-software", reason="test")
            for a in accounts
        ),
    )
    return policies.model_copy(update={"grants": (*policies.grants, grants)})


def decisions(plan: Plan) -> tuple[Any, ...]:
    """Everything a plan decides and says, without what binds it to its inputs' digests."""
    actions = tuple(replace(a, seal="") for a in plan.actions)
    return actions, plan.skipped, plan.summary


def plan_inputs(seed: Inventory) -> tuple[PolicySet, Ledger, ActivityNeeds]:
    """The example policies plus access grants, and a ledger, that read activity every way."""
    policies = load_policies([ROOT / "policies"], today=NOW.date()).policies
    policies = with_grants_for(policies, ungoverned_seat_holders(seed, policies)[2::6])
    ledger = a_ledger_that_reads_activity(seed, policies)
    return policies, ledger, activity_needs(policies, ledger, today=NOW.date())


def test_a_read_for_the_policies_is_the_seed_and_asks_only_what_can_decide(
    atlassian_sim: ServeAtlassian,
) -> None:
    seed = generate_org(1500, 14, now=NOW)
    policies, ledger, needs = plan_inputs(seed)
    served = atlassian_sim(seed, SIM)
    fetched = read(served, needs=needs)
    lookups = served.stats()["requests"][LAST_ACTIVE]
    assert fetched == as_the_apis_show_it(seed)
    assert lookups == len(seat_holders_missing_activity(seed, needs=needs))
    assert lookups < len(seat_holders_missing_activity(seed))
    assert decisions(reconcile(policies, fetched, ledger=ledger, now=NOW)) == decisions(
        reconcile(policies, seed, ledger=ledger, now=NOW)
    )


def test_when_the_search_shows_no_activity_a_read_for_the_policies_plans_as_a_full_read(
    atlassian_sim: ServeAtlassian,
) -> None:
    """A full read asks last-active-dates for every seat holder, a read for the policies only
    where the answer can decide; the plans are the same."""
    seed = generate_org(1500, 14, now=NOW)
    policies, ledger, needs = plan_inputs(seed)
    served = atlassian_sim(seed, NO_SEARCH_ACTIVITY)
    scoped = read(served, needs=needs)
    scoped_lookups = served.stats()["requests"][LAST_ACTIVE]
    served.reset()
    full = read(served)
    full_lookups = served.stats()["requests"][LAST_ACTIVE]
    expected = reconcile(policies, full, ledger=ledger, now=NOW)
    planned = reconcile(policies, scoped, ledger=ledger, now=NOW)
    assert decisions(planned) == decisions(expected)
    kinds = {"warn", "revoke", "restore", "clear-warning", "grant"}
    assert kinds <= {a.action for a in planned.actions}
    assert 0 < scoped_lookups < full_lookups


def test_the_inventory_command_asks_what_the_policies_and_the_ledger_need_or_everything(
    tmp_path: Path, atlassian_sim: ServeAtlassian
) -> None:
    org = generate_org(400, 15, now=NOW)
    policies = load_policies([ROOT / "policies"], today=NOW.date()).policies
    someone = ungoverned_seat_holders(org, policies)[0]
    warned = warning(someone, site="acme-labs", product="confluence", policy="a-retired-policy")
    ledger = Ledger(warnings=(warned,))
    StateDir(tmp_path / "state").write_ledger(ledger)
    unseen = org.model_copy(
        update={"accounts": tuple(replace(a, activity=()) for a in org.accounts)}
    )
    args = ["inventory", "--policies", str(ROOT / "policies"), "--state", str(tmp_path / "state")]
    lookups = {}
    served = atlassian_sim(org, NO_SEARCH_ACTIVITY)
    for flags in ((), ("--all-activity",)):
        served.reset()
        out = tmp_path / "inventory.json"
        result = CliRunner().invoke(
            main,
            [*args, "--out", str(out), "--now", "2026-11-23T06:00:00Z", *flags],
            env=served.environ(),
        )
        assert result.exit_code == ExitCode.OK, result.output
        lookups[flags] = served.stats()["requests"][LAST_ACTIVE]
    needs = activity_needs(policies, ledger, today=NOW.date())
    assert someone.account_id in seat_holders_missing_activity(unseen, needs=needs)
    assert lookups[()] == len(seat_holders_missing_activity(unseen, needs=needs))
    assert lookups[("--all-activity",)] == len(seat_holders_missing_activity(unseen))
    assert lookups[()] < lookups[("--all-activity",)]
