"""`accessctl request-access --from-issue N` and `--settle`: answer a request made in an issue.

The link in the warning and revocation mails opens the request form in the policy repository;
the issue it makes (label `access-request`) runs this in a workflow. One comment on the issue
(`MARKER`, edited in place at each step) says what happened:

- refused (exit 2): the form is incomplete, the site, account or product is unknown, or the
  author asks for someone else's account without the rights to (`core.access_request`);
- restored at once (exit 0): the author is provably the account's owner (GitHubIdentities) and
  a RestorePolicy with `on_request: restore` pre-approves it. The restore is planned with the
  request as its evidence, seat limits included, carried out through the same journaled,
  audited path as `apply` (`controller.app.executor`), recorded in `state/` (the plan, its
  journal and audit, the applied marker naming the policy and the issue), committed and pushed
  like an apply; the person gets the restore notice, and the issue is closed;
- sent for review (exit 0): anyone else, or a restore a check refused, becomes the AccessGrants
  pull request on `access-request/issue-N` (`controller.app.grant_requests`), linked both ways.

`--settle` closes every open request whose pull request was merged (approved) or closed
(declined); the workflow runs it when such a pull request closes, and the daily plan runs it
too, so no request is left open once its pull request is decided. Answering an issue again (an
edit, a re-run) never restores twice: a restore already recorded for the issue is only
reported, and one whose record the remote refused (it waits on `accessctl/state/<plan id>`, not
on the default branch) is reported with that branch, the run failing until it is merged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from controller.adapters.atlassian import AtlassianClient, AtlassianDirectory
from controller.adapters.files import write_atomic
from controller.adapters.git_workspace import STATE_BRANCH_PREFIX, StateParked, state_branch
from controller.adapters.github import GitHubForge, Issue, PullRequest
from controller.adapters.state_dir import parse_applied_marker
from controller.app import console
from controller.app.executor import ActionResult, ApplyReport, ApplyRun, apply_plan
from controller.app.grant_requests import AccessRequest, GrantPull, open_grant_pull
from controller.app.labels import REQUEST_LABEL
from controller.app.mailing import AppliedPlan, send_apply_notices
from controller.app.run_context import RunContext
from controller.core.access_request import (
    MARKER,
    Asked,
    FormProblems,
    Refused,
    Requester,
    Restore,
    Review,
    failed_comment,
    form_labels,
    parse_request,
    refused_comment,
    restore_plan,
    restored_comment,
    review_comment,
    route_request,
    settled_comment,
)
from controller.core.errors import ExitCode, RunFailure
from controller.core.inert_text import md_prose
from controller.core.plan import Plan, dump_plan_yaml
from controller.core.plan.model import RequestRef, action_key, is_plan_id
from controller.core.plan.seal import PlanKey, seal_plan
from controller.core.reconcile import reconcile
from controller.core.state_records import EXECUTED, AppliedMarker, PolicyApproval

FORMS_DIRECTORY = Path(".github") / "ISSUE_TEMPLATE"
MAX_REASON = 1800  # an AccessGrants reason holds 2000 characters; the issue's link is added


@dataclass(frozen=True)
class IssueRequest:
    number: int
    push: bool = False


def issue_branch(number: int) -> str:
    """The branch (and so the pull request) of the request made in issue `number`."""
    return f"access-request/issue-{number}"


# --- one issue --------------------------------------------------------------------------------


def run(context: RunContext, request: IssueRequest) -> int:
    with GitHubForge.from_env(context.environ) as forge:
        issue = forge.get_issue(request.number)
        ignored = _not_a_request(issue)
        if ignored is not None:
            console.info(f"issue #{issue.number}: {ignored}; nothing to do")
            return ExitCode.OK
        return _answer(context, request, issue=issue, forge=forge)


def _not_a_request(issue: Issue) -> str | None:
    if issue.is_pull:
        return "a pull request, not an issue"
    if issue.state != "open":
        return "closed"
    if REQUEST_LABEL not in issue.label_names:
        return f"no `{REQUEST_LABEL}` label"
    if issue.user is None:
        return "its author's account was deleted"
    return None


def _answer(context: RunContext, request: IssueRequest, *, issue: Issue, forge: GitHubForge) -> int:
    decided = next(iter(forge.pulls_from(issue_branch(issue.number))), None)
    if decided is not None and decided.state == "closed":
        settle_issue(forge, issue=issue, pull=decided)
        return ExitCode.OK
    if _restored_before(context, number=issue.number):
        console.info(f"issue #{issue.number}: restored already; closing it")
        forge.close_issue(issue.number)
        return ExitCode.OK
    parked = _parked_restore(context, number=issue.number)
    if parked is not None:
        forge.close_issue(issue.number)
        raise parked
    try:
        asked = _asked(context, issue)
    except FormProblems as problems:
        return _refuse(forge, issue=issue, reasons=problems.problems)
    route = route_request(asked, now=context.now)
    if isinstance(route, Refused):
        return _refuse(forge, issue=issue, reasons=[route.reason])
    if isinstance(route, Review):
        return _send_for_review(context, route, asked=asked, forge=forge)
    return _restore(context, route, asked=asked, forge=forge, push=request.push)


def _asked(context: RunContext, issue: Issue) -> Asked:
    """The request in the issue, read against the policies, the ledger and the organization."""
    template = _form(context)
    form = parse_request(issue.body, labels=form_labels(template))
    login = issue.user.login if issue.user else ""
    return Asked(
        form=form,
        requester=Requester(login=login, association=issue.author_association),
        issue=RequestRef(issue=issue.number, url=issue.html_url, author=login),
        policies=context.policies,
        inventory=context.inventory(),
        ledger=context.state.read_ledger(),
    )


def _form(context: RunContext) -> str | None:
    """The request form in the repository's checkout, if it has one."""
    name = context.policies.organization.notifications.request_link.issue_form
    path = context.require_workspace().root / FORMS_DIRECTORY / name
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _refuse(forge: GitHubForge, *, issue: Issue, reasons: list[str]) -> int:
    forge.upsert_comment(issue.number, marker=MARKER, body=refused_comment(reasons))
    for reason in reasons:
        console.error(f"issue #{issue.number}: not answered: {reason}")
    return ExitCode.BAD_INPUT


def _restored_before(context: RunContext, *, number: int) -> bool:
    """Whether an applied plan already restored what issue `number` asked for."""
    return any(_restores(marker, number) for marker in context.state.applied_markers())


def _restores(marker: AppliedMarker, number: int) -> bool:
    return (
        isinstance(marker.approval, PolicyApproval)
        and marker.approval.request.issue == number
        and any(marker.outcomes.get(outcome, 0) for outcome in EXECUTED)
    )


def _parked_restore(context: RunContext, *, number: int) -> StateParked | None:
    """A restore for issue `number` whose record the remote refused: its applied marker waits
    on `accessctl/state/<plan id>`, not on the default branch yet. Restoring again would open
    a needless review (the account holds the groups already), so the run says where it waits."""
    found = next(((b, m) for b, m in _parked_markers(context) if _restores(m, number)), None)
    if found is None:
        return None
    branch, marker = found
    into = context.require_workspace().current_branch() or "the default branch"
    return StateParked(
        f"issue #{number} was answered before: {marker.plan_id} restored the seat, and its "
        f"record waits on branch {branch}: merge that branch into {into} (a pull request); "
        "nothing was done again",
        branch=branch,
        refused=into,
        sha=None,
    )


def _parked_markers(context: RunContext) -> Iterator[tuple[str, AppliedMarker]]:
    """The applied markers on the remote's `accessctl/state/<plan id>` branches."""
    workspace = context.require_workspace()
    branches = {b: b.removeprefix(STATE_BRANCH_PREFIX) for b in workspace.parked_state_branches()}
    plans = {branch: plan_id for branch, plan_id in branches.items() if is_plan_id(plan_id)}
    if plans:
        workspace.fetch(*plans)
    for branch, plan_id in plans.items():
        path = workspace.relative_path(context.state.applied_path(plan_id))
        text = workspace.read_text_at(f"{workspace.remote}/{branch}", path)
        if text is not None:
            yield branch, parse_applied_marker(text, where=f"{branch}:{path}")


# --- review -----------------------------------------------------------------------------------

REVIEW_NOT_OPENED = (
    "it needs a review, and the pull request for that review could not be opened "
    "(the workflow run that answered this issue says why)"
)


def _send_for_review(
    context: RunContext, route: Review, *, asked: Asked, forge: GitHubForge
) -> int:
    account = route.account.email or route.account.account_id
    by = f"@{asked.issue.author}"
    reason = f"{asked.form.reason[:MAX_REASON]} (issue #{asked.issue.issue} by {by})"
    grant = AccessRequest(
        account=account,
        reason=" ".join(reason.split()),
        product=None if route.groups else route.product,
        groups=tuple(g.name for g in route.groups),
        site=route.site,
    )
    title = f"Access request #{asked.issue.issue}: {account} -> {route.product} on {route.site}"
    body = _review_body(route, asked=asked, account=account)
    shape = GrantPull(branch=issue_branch(asked.issue.issue), title=title, body=body)
    try:
        pull = open_grant_pull(context, grant, forge=forge, pull=shape)
    except RunFailure:
        # The requester hears of it on the issue; the run fails with the reason for the admins.
        unsent = failed_comment(detail=REVIEW_NOT_OPENED)
        forge.upsert_comment(asked.issue.issue, marker=MARKER, body=unsent)
        raise
    comment = review_comment(pull=pull.number, why=route.why)
    forge.upsert_comment(asked.issue.issue, marker=MARKER, body=comment)
    console.out(pull.html_url)
    console.info(f"issue #{asked.issue.issue}: sent for review in #{pull.number}: {route.why}")
    return ExitCode.OK


def _review_body(route: Review, *, asked: Asked, account: str) -> str:
    """The pull request's body: what the issue asks, why it needs a review, and the
    requester's own words in a code block (where nothing renders or mentions anyone)."""
    what = ", ".join(g.name for g in route.groups) or route.product
    told = "\n".join(f"    {line}" for line in asked.form.reason.splitlines() or [""])
    shown = account.replace("`", "'")
    return (
        f"Requested in #{asked.issue.issue} by @{asked.issue.author}: `{shown}` asks for "
        f"`{route.product}` on `{route.site}` back ({what}).\n\n"
        f"Not restored at once: {md_prose(route.why)}.\n\n"
        f"Why they need it, in their words:\n\n{told}\n\n"
        "This adds one entry to `{path}`. Merging it is the approval: the next plan grants the "
        "access, within the seats left, and no inactivity policy revokes it while the entry "
        f"lasts. Merged or closed, #{asked.issue.issue} is closed with it."
    )


# --- restore ----------------------------------------------------------------------------------


def _restore(
    context: RunContext, route: Restore, *, asked: Asked, forge: GitHubForge, push: bool
) -> int:
    key = context.plan_key  # the restore's plan is sealed and checked like a reviewed one
    plan = _planned_restore(context, route, asked=asked)
    if isinstance(plan, Review):
        return _send_for_review(context, plan, asked=asked, forge=forge)
    plan = seal_plan(plan, key)
    report = _carry_out(context, route, plan=plan, key=key)
    result = report.results[0]
    console.info(f"{plan.id}: {result.outcome} {result.action.label} {result.detail}")
    parked = _record(context, plan=plan, push=push, issue=asked.issue.issue)
    _notify(context, report=report, plan=plan)
    code = _answer_restore(forge, route, plan=plan, result=result, number=asked.issue.issue)
    if parked is not None:
        raise parked  # the seat is back and the requester told; the record waits on its branch
    return code


def _answer_restore(
    forge: GitHubForge, route: Restore, *, plan: Plan, result: ActionResult, number: int
) -> int:
    """Say in the issue what the restore did; close the issue (and any review) when done."""
    if result.outcome not in EXECUTED:
        comment = failed_comment(detail=result.detail or result.outcome)
        forge.upsert_comment(number, marker=MARKER, body=comment)
        return ExitCode.FAILURE
    action = result.action
    comment = restored_comment(
        account=action.label,
        site=action.site,
        product=action.product,
        groups=action.groups,
        policy=route.policy,
        plan_id=plan.id,
    )
    forge.upsert_comment(number, marker=MARKER, body=comment)
    forge.close_issue(number)
    _close_review(forge, number=number)
    return ExitCode.OK


def _close_review(forge: GitHubForge, *, number: int) -> None:
    """A pull request an earlier answer opened for the request is no longer needed."""
    for pull in forge.pulls_from(issue_branch(number), state="open"):
        note = f"Restored at once (#{number} was answered again); no review is needed."
        forge.close_pull(pull.number, comment=note)


def _planned_restore(context: RunContext, route: Restore, *, asked: Asked) -> Plan | Review:
    """The plan of the one restore, or a review when it cannot be planned (the seat limit)."""
    workspace = context.require_workspace()
    plan = reconcile(
        asked.policies,
        asked.inventory,
        ledger=asked.ledger,
        now=context.now,
        base_commit=workspace.head_commit(),
        requests=(route.request,),
    )
    seat = route.request.seat
    key = action_key("restore", site=seat[1], product=seat[2], account_id=seat[0])
    restore = next((a for a in plan.actions if a.key == key), None)
    if restore is not None and restore.evidence.requested_in == route.request.request:
        return restore_plan(plan, restore, policies=asked.policies)
    held = next((s.reason for s in plan.skipped if (s.account_id, s.site, s.product) == seat), "")
    account = next(a for a in asked.inventory.accounts if a.account_id == seat[0])
    why = held or "the restore could not be planned"
    return Review(account=account, site=seat[1], product=seat[2], groups=(), why=why)


def _carry_out(context: RunContext, route: Restore, *, plan: Plan, key: PlanKey) -> ApplyReport:
    """The same journaled, audited path as `accessctl apply`, the request as its approval."""
    approval = PolicyApproval(policy=route.policy, request=route.request.request)
    workspace = context.require_workspace()
    with AtlassianClient(context.credentials) as client:
        organization = context.policies.organization
        directory = AtlassianDirectory(client, organization, clock=lambda: context.now)
        return apply_plan(
            ApplyRun(
                plan=plan,
                policies=context.policies,
                directory=directory,
                state=context.state,
                now=context.now,
                key=key,
                commit=workspace.head_commit(),
                approval=approval,
                requests=(route.request,),
            )
        )


def _record(context: RunContext, *, plan: Plan, push: bool, issue: int) -> StateParked | None:
    """The plan beside its journal, audit and marker, committed (and pushed) like an apply's;
    when the remote refuses the push, the refusal (the commit is safe on the plan's branch)."""
    write_atomic(context.state.plan_path(plan.id), dump_plan_yaml(plan))
    message = f"accessctl: restore requested in issue #{issue} ({plan.id})\n"
    try:
        context.commit_state(message, push=push, park_as=state_branch(plan.id))
    except StateParked as refused:
        return refused
    return None


def _notify(context: RunContext, *, report: ApplyReport, plan: Plan) -> None:
    applied = AppliedPlan(
        report=report,
        plan=plan,
        policies=context.policies,
        policies_dir=context.policies_dir,
        now=context.now,
        commit=plan.base_commit,
    )
    send_apply_notices(applied, environ=context.environ)


# --- settle -----------------------------------------------------------------------------------


def settle(context: RunContext) -> int:
    """Close every open request whose pull request was merged or closed."""
    with GitHubForge.from_env(context.environ) as forge:
        settled = 0
        for issue in forge.open_issues(label=REQUEST_LABEL):
            decided = next(iter(forge.pulls_from(issue_branch(issue.number))), None)
            if decided is not None and decided.state == "closed":
                settle_issue(forge, issue=issue, pull=decided)
                settled += 1
    console.info(f"{settled} access request(s) settled")
    return ExitCode.OK


def settle_issue(forge: GitHubForge, *, issue: Issue, pull: PullRequest) -> None:
    """Say how the review ended, and close the issue: completed if merged, else not planned."""
    merged_by = forge.get_pull(pull.number).merged_by if pull.merged else None
    comment = settled_comment(
        pull=pull.number, merged=pull.merged, by=merged_by.login if merged_by else None
    )
    forge.upsert_comment(issue.number, marker=MARKER, body=comment)
    forge.close_issue(issue.number, reason="completed" if pull.merged else "not_planned")
    outcome = "approved" if pull.merged else "declined"
    console.info(f"issue #{issue.number}: {outcome} in #{pull.number}; closed")
