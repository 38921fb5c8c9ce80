"""The pure report: seat figures per bucket, savings, history, re-grant rate, approvers, and the
four renderings of one fixture organization (tests/report_fixture.py), figure by figure."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from controller.app.report import (
    Report,
    build_report,
    build_trail,
    render_csv,
    render_html,
    render_markdown,
)
from controller.app.report.charts import BUCKET_COLOURS, HISTORY_SERIES, _nice_ceiling
from controller.app.report.seats import bucket_of, money
from controller.core.ledger import Ledger
from controller.core.policy import load_policies
from controller.core.policy.models import PolicyExclude
from controller.core.reconcile import reconcile
from tests import report_fixture as fixture
from tests.factories import NOW, exclusions, organization

JSW = ("acme", "jira-software")
JSM = ("acme", "jira-servicedesk")


@pytest.fixture(scope="module")
def report() -> Report:
    return fixture.make_report()


def figures(report: Report, seat: tuple[str, str]) -> dict[str, object]:
    product = next(p for p in report.products if (p.site, p.product) == seat)
    return product.figures.model_dump()


# --- seats ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("idle_days", "bucket"),
    [
        pytest.param(0, "active_30", id="today"),
        pytest.param(29.9, "active_30", id="29-days"),
        pytest.param(30, "idle_30_60", id="30-days"),
        pytest.param(59, "idle_30_60", id="59-days"),
        pytest.param(60, "idle_60_90", id="60-days"),
        pytest.param(90, "idle_90_180", id="90-days"),
        pytest.param(179, "idle_90_180", id="179-days"),
        pytest.param(180, "idle_180_plus", id="180-days"),
        pytest.param(4000, "idle_180_plus", id="years"),
        pytest.param(-2, "active_30", id="clock-skew-future"),
        pytest.param(None, "never_active", id="never"),
    ],
)
def test_each_seat_falls_in_one_bucket_by_whole_days_idle(
    idle_days: float | None, bucket: str
) -> None:
    last = None if idle_days is None else NOW - timedelta(days=idle_days)
    assert bucket_of(last, NOW).field == bucket


def test_jira_software_figures_count_every_bucket_and_keeper(report: Report) -> None:
    assert figures(report, JSW) == {
        "total": 10,  # the app account and the suspended account hold no seat
        "active_30": 2,  # active, sso
        "active_60": 3,
        "active_90": 4,
        "idle_30_60": 1,
        "idle_60_90": 1,
        "idle_90_180": 3,  # idle100, excl (120), release (95)
        "idle_180_plus": 2,  # idle200, admin (300)
        "never_active": 1,
        "protected": 1,  # the site admin
        "excluded": 2,  # excl by account, release by a group entry about to expire
        "idp_managed": 1,
        "reclaimable": 4,  # idle70, idle100, idle200, never
        "warned": 0,
        "monthly_cost": 86.0,
        "monthly_saving": 34.4,
    }


def test_service_desk_figures_and_totals(report: Report) -> None:
    jsm = figures(report, JSM)
    assert (jsm["total"], jsm["active_30"], jsm["never_active"], jsm["warned"]) == (2, 1, 1, 1)
    assert (jsm["monthly_cost"], jsm["monthly_saving"]) == (42.0, 0.0)
    assert [(p.site, p.product, p.limit) for p in report.products] == [
        ("acme", "jira-servicedesk", None),
        ("acme", "jira-software", 12),
    ]
    totals = report.totals
    assert (totals.total, totals.active_30, totals.never_active, totals.reclaimable) == (
        12,
        3,
        2,
        4,
    )
    assert (totals.monthly_cost, totals.monthly_saving) == (128.0, 34.4)


def test_savings_are_priced_per_product_to_the_cent(report: Report) -> None:
    reclaim = report.reclaim
    assert (reclaim.revoke_now, reclaim.warned, reclaim.currency) == (4, 1, "EUR")
    assert reclaim.monthly_saving == 34.4  # 4 x 8.60
    assert reclaim.annual_saving == 412.8
    assert reclaim.monthly_saving_after_warnings == 55.4  # + 1 x 21.00
    assert reclaim.unpriced_products == ()
    assert reclaim.refused_by_safety == ()


def test_money_is_exact_decimal_arithmetic() -> None:
    assert money(8.6, 3) == 25.8
    assert money(0.1, 3) == 0.3
    assert money(None, 3) is None


def test_products_without_a_price_are_named_and_left_out_of_the_saving() -> None:
    policies = fixture.policies()
    org = organization(pricing={"monthly_per_seat": {"jira-software": 10}})
    report = fixture.make_report(policies.model_copy(update={"organization": org}))
    assert report.reclaim.currency == "USD"
    assert report.reclaim.monthly_saving == 40.0
    assert report.reclaim.unpriced_products == ("jira-servicedesk",)


def test_without_pricing_there_is_no_saving_but_every_count() -> None:
    policies = fixture.policies()
    report = fixture.make_report(policies.model_copy(update={"organization": organization()}))
    assert (report.currency, report.reclaim.monthly_saving, report.reclaim.annual_saving) == (
        None,
        None,
        None,
    )
    assert report.reclaim.revoke_now == 4
    assert "Add `pricing` to the Organization file" in render_markdown(report)


def test_a_plan_the_safety_guards_refuse_is_still_reported_with_why() -> None:
    org = organization(
        pricing=fixture.PRICING, safety={"max_revocations": 2, "max_revocation_fraction": 1.0}
    )
    report = fixture.make_report(fixture.policies().model_copy(update={"organization": org}))
    assert report.reclaim.revoke_now == 4
    assert len(report.reclaim.refused_by_safety) == 1
    assert "safety.max_revocations (2)" in report.reclaim.refused_by_safety[0]
    assert "> [!WARNING]" in render_markdown(report)


def test_exclusions_carry_owner_expiry_status_and_seats_kept(report: Report) -> None:
    rows = [(e.subject, e.owner, e.expires, e.status, e.seats) for e in report.exclusions]
    assert rows == [
        ("excl@acme.example", "ciso@acme.example", None, "active", 1),
        ("release-managers", "head-of-eng@acme.example", fixture.EXPIRING, "expiring", 1),
        ("gone@acme.example", "people@acme.example", datetime(2026, 1, 1).date(), "expired", 0),
    ]


# --- history --------------------------------------------------------------------------------


def test_months_count_executed_actions_and_failures_apart(report: Report) -> None:
    months = [
        (m.month, m.revoked, m.restored, m.granted, m.warned, m.failed) for m in report.months
    ]
    assert months == [
        ("2026-08", 2, 1, 0, 1, 0),
        ("2026-09", 1, 0, 0, 0, 1),  # "already" counts as done; the skipped warn does not
        ("2026-10", 1, 0, 1, 0, 0),
        ("2026-11", 0, 1, 0, 0, 0),
    ]


def test_months_without_actions_are_shown_as_zero_up_to_now() -> None:
    entries = [r for r in fixture.audit_records() if r.plan_id == "plan-20260805-060000-0000000a"]
    inventory = fixture.snapshot()
    report = build_report(
        policies=fixture.policies(),
        inventory=inventory,
        plan=reconcile(fixture.policies(), inventory, ledger=Ledger(), now=NOW),
        audit=entries,
        applied=[],
        approvals={},
        now=NOW,
    )
    assert [(m.month, m.revoked) for m in report.months] == [
        ("2026-08", 2),
        ("2026-09", 0),
        ("2026-10", 0),
        ("2026-11", 0),
    ]


def test_regrant_rate_counts_returns_within_30_days_over_judged_revokes(report: Report) -> None:
    overall = report.regrant[0]
    assert overall.scope == "all"
    # x came back after 15 days; y never; w was granted after 45 days (too late); v failed.
    assert (overall.revoked, overall.came_back, overall.rate) == (3, 1, 0.3333)
    # q was revoked 29 days ago: too recent to judge, but already restored.
    assert (overall.pending, overall.pending_came_back) == (1, 1)
    assert [g.scope for g in report.regrant] == ["all", "jsw-60"]


def test_every_applied_plan_names_its_approver_or_says_unknown(report: Report) -> None:
    rows = {
        p.plan_id: (
            p.approved_by.name if p.approved_by else None,
            p.revoked,
            p.restored,
            p.granted,
            p.failed,
        )
        for p in report.plans
    }
    assert rows == {
        "plan-20260805-060000-0000000a": ("Alice Approver", 2, 0, 0, 0),
        "plan-20260820-060000-0000000b": ("Bob Boss", 0, 1, 0, 0),
        "plan-20260910-060000-0000000c": ("Alice Approver", 1, 0, 0, 1),
        "plan-20261025-060000-0000000d": ("Dana Director", 1, 0, 1, 0),
        "plan-20261120-060000-0000000e": (None, 0, 1, 0, 0),
    }
    assert [p.plan_id for p in report.plans] == [
        "plan-20261120-060000-0000000e",
        "plan-20261025-060000-0000000d",
        "plan-20260910-060000-0000000c",
        "plan-20260820-060000-0000000b",
        "plan-20260805-060000-0000000a",
    ]
    plan_e = report.plans[0]
    assert plan_e.applied_at == datetime(2026, 11, 20, 6, tzinfo=UTC)  # from its audit lines


# --- renderings -----------------------------------------------------------------------------


def test_markdown_leads_with_totals_and_has_every_table(report: Report) -> None:
    text = render_markdown(report)
    assert text.startswith("## accessctl license report · `8f3c2a71-")
    assert "estimated saving **34.40 EUR a month** (412.80 EUR a year)" in text
    assert (
        "| `acme` | `jira-software` | 10 | 12 | 2 | 3 | 4 | 1 | 1 | 3 | 2 | 1 | 1 | 2 | 1 | 4 | 0 "
        "| 8.60 EUR | 34.40 EUR |"
    ) in text
    assert "| `release-managers` | group | `head-of-eng@acme.example` | 2026-12-10 | " in text
    assert "| 2026-09 | 1 | 0 | 0 | 0 | 1 |" in text
    assert "| All policies | 3 | 1 | 33.3% | 1 | 1 |" in text
    alice = "`Alice Approver <alice@acme.example>`"
    assert f"| `plan-20260805-060000-0000000a` | 2026-08-05 | {alice} |" in text
    assert "| `plan-20261120-060000-0000000e` | 2026-11-20 | unknown |" in text
    assert "saving grows to 55.40 EUR a month" in text


def test_csv_has_one_row_per_site_and_product_with_every_figure(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert [(r["site"], r["product"]) for r in rows] == [JSM, JSW]
    jsw = rows[1]
    assert jsw["limit"] == "12"
    assert (jsw["currency"], jsw["monthly_per_seat"], jsw["monthly_saving"]) == (
        "EUR",
        "8.60",
        "34.40",
    )
    counts = ("total", "active_30", "idle_90_180", "never_active", "excluded", "reclaimable")
    assert [jsw[c] for c in counts] == ["10", "2", "3", "1", "2", "4"]
    assert rows[0]["limit"] == ""


def test_json_is_the_report_model_and_reads_back_equal(report: Report) -> None:
    text = report.model_dump_json(indent=2)
    assert Report.model_validate_json(text) == report


def test_html_is_one_self_contained_file_with_both_charts(report: Report) -> None:
    page = render_html(report)
    assert fixture.external_references(page) == []
    assert "://" not in page
    assert "<script" not in page.lower()
    assert "default-src 'none'" in page
    assert page.count('<svg class="chart"') == 2
    for colour in (*BUCKET_COLOURS.values(), *(c for _, _, c in HISTORY_SERIES)):
        assert f'fill="{colour}"' in page
    assert "@media print" in page
    assert "<title>acme / jira-software: 3 idle 90-180 d</title>" in page
    assert "<title>2026-08: 2 revoked</title>" in page


def test_the_reference_check_finds_what_a_browser_would_fetch() -> None:
    page = (
        '<link href="https://cdn.example/x.css"><img src="//cdn.example/i.png">'
        '<a href="#seats">in page</a><img src="data:image/png;base64,AA">'
        "<div style=\"background: url('https://f.example/b.png')\"></div>"
        "<style>@import 'https://fonts.example/f.css'; body { background: url(/local.png) }</style>"
        "<p>src=//not-a-tag.example is only text</p>"
    )
    assert fixture.external_references(page) == [
        "https://cdn.example/x.css",
        "//cdn.example/i.png",
        "https://f.example/b.png",
        "https://fonts.example/f.css",
        "/local.png",
    ]


def test_html_escapes_what_people_wrote_in_policies() -> None:
    policies = fixture.policies()
    hostile = exclusions(
        {"account": "excl@acme.example", "owner": "<img src=//evil.example/x>", "reason": "r"}
    )
    page = render_html(fixture.make_report(policies.model_copy(update={"exclusions": (hostile,)})))
    assert "<img" not in page
    assert "&lt;img src=//evil.example/x&gt;" in page
    assert fixture.external_references(page) == []


def test_html_without_history_says_so_instead_of_an_empty_chart() -> None:
    inventory = fixture.snapshot()
    report = build_report(
        policies=fixture.policies(),
        inventory=inventory,
        plan=reconcile(fixture.policies(), inventory, ledger=Ledger(), now=NOW),
        audit=[],
        applied=[],
        approvals={},
        now=NOW,
    )
    page = render_html(report)
    assert page.count('<svg class="chart"') == 1
    assert "Nothing applied yet" in page
    assert "Nothing applied yet" in render_markdown(report)


@pytest.mark.parametrize(
    ("largest", "axis_top"),
    [(0, 3), (1, 3), (3, 3), (4, 6), (10, 15), (16, 30), (31, 60), (100, 150), (151, 300)],
)
def test_history_axis_tops_divide_into_whole_thirds(largest: int, axis_top: int) -> None:
    assert _nice_ceiling(largest) == axis_top
    assert axis_top % 3 == 0


# --- the audit trail ------------------------------------------------------------------------


def trail_for(account: str | None = None, since: datetime | None = None) -> list[tuple[str, ...]]:
    entries = fixture.audit_records()
    reasons = {
        (plan_id, a.key): a.reason
        for plan_id in fixture.MERGE_SHA
        for a in fixture.history_plan(plan_id).actions
    }
    trail = build_trail(
        entries,
        ledger=fixture.ledger(),
        approvals=fixture.approvals(),
        reasons=reasons,
        account=account,
        since=since,
    )
    return [
        (
            e.time.date().isoformat(),
            e.action,
            e.outcome,
            e.plan_id,
            e.approved_by.name if e.approved_by else "unknown",
            e.reason or "",
        )
        for e in trail.events
    ]


def test_trail_of_one_account_tells_its_whole_story() -> None:
    assert trail_for("X@ACME.example") == [
        (
            "2026-08-05",
            "revoke",
            "done",
            "plan-20260805-060000-0000000a",
            "Alice Approver",
            "revoke x: idle past the rule",
        ),
        (
            "2026-08-20",
            "restore",
            "done",
            "plan-20260820-060000-0000000b",
            "Bob Boss",
            "restore x: idle past the rule",
        ),
    ]
    assert trail_for("u-q") == [
        (
            "2026-10-25",
            "revoke",
            "done",
            "plan-20261025-060000-0000000d",
            "Dana Director",
            "revoke q: idle past the rule",
        ),
        ("2026-11-20", "restore", "done", "plan-20261120-060000-0000000e", "unknown", ""),
    ]


def test_trail_of_a_period_lists_every_account_from_that_day() -> None:
    since = datetime(2026, 10, 1, tzinfo=UTC)
    assert [(day, action) for day, action, *_ in trail_for(since=since)] == [
        ("2026-10-25", "grant"),
        ("2026-10-25", "revoke"),
        ("2026-11-20", "restore"),
    ]


def test_trail_shows_what_the_ledger_still_holds_for_the_account() -> None:
    ledger = fixture.ledger()
    trail = build_trail([], ledger=ledger, approvals={}, reasons={}, account="y@acme.example")
    assert [r.plan_id for r in trail.removed_seats] == ["plan-20260805-060000-0000000a"]
    assert trail.standing_warnings == ()
    everyone = build_trail([], ledger=ledger, approvals={}, reasons={})
    assert [w.account_id for w in everyone.standing_warnings] == ["u-z"]


def test_the_report_never_reads_the_clock_or_files() -> None:
    source = "".join(
        path.read_text()
        for path in (Path(__file__).parents[2] / "controller" / "report").glob("*.py")
    )
    for forbidden in (
        "datetime.now",
        "open(",
        "read_text",
        "write_text",
        "import os",
        "subprocess",
    ):
        assert forbidden not in source, forbidden
    assert re.search(r"^import (git|httpx)", source, re.M) is None


# --- pricing in the Organization ------------------------------------------------------------


def test_the_example_organization_prices_jira_seats() -> None:
    loaded = load_policies([Path(__file__).parents[2] / "policies"], today=NOW.date())
    pricing = loaded.policies.organization.pricing
    assert pricing is not None
    assert pricing.currency == "USD"
    assert pricing.monthly_per_seat == {"jira-software": 8.60, "jira-servicedesk": 21.0}


@pytest.mark.parametrize(
    ("pricing", "message"),
    [
        pytest.param({"currency": "usd"}, "three-letter currency code", id="lower-case-currency"),
        pytest.param({"currency": "U5D"}, "three-letter currency code", id="digit-in-currency"),
        pytest.param({"monthly_per_seat": {"jira-software": "8.60"}}, "number", id="quoted-price"),
        pytest.param({"monthly_per_seat": {"jira-software": -1}}, "greater than", id="negative"),
        pytest.param({"monthly_per_seat": {"Jira Software": 8}}, "pattern", id="product-not-a-key"),
        pytest.param({"price": 8}, "Extra inputs", id="unknown-key"),
    ],
)
def test_pricing_mistakes_are_refused(pricing: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        organization(pricing=pricing)


def test_a_policys_own_exclude_list_is_reported_and_counted_as_excluded() -> None:
    policies = fixture.policies()
    listed_here = PolicyExclude(groups=("release-managers",), accounts=("idle35@acme.example",))
    jsw = policies.inactivity[0].model_copy(update={"exclude": listed_here})
    report = fixture.make_report(
        policies.model_copy(update={"inactivity": (jsw, *policies.inactivity[1:])})
    )
    listed = [(e.subject, e.kind, e.owner, e.seats) for e in report.exclusions[3:]]
    assert listed == [
        ("idle35@acme.example", "account", "policy jsw-60", 1),
        ("release-managers", "group", "policy jsw-60", 1),
    ]
    assert figures(report, JSW)["excluded"] == 3  # excl, release, and now idle35
    assert figures(report, JSW)["reclaimable"] == 4  # idle35 was never due
