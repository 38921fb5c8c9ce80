"""Thin click layer: parse arguments, build dependencies, call one command function, map errors.

No business logic lives here. Each verb calls `controller.app.commands.<verb>.run(...)`, which
returns an exit code; `AccessctlError` (and only it) becomes a one-line message and its exit code
(DESIGN §9). The wall clock is read here and nowhere below.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click
from click.exceptions import NoArgsIsHelpError

from controller.app import console
from controller.core.errors import AccessctlError, ExitCode

if TYPE_CHECKING:
    from controller.app.run_context import RunContext
    from controller.core.policy.models import JiraApi

POLICIES_OPTION = click.option(
    "--policies",
    "policies_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("policies"),
    show_default=True,
    help="Policy directory (holds the Organization file).",
)
STATE_OPTION = click.option(
    "--state",
    "state_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("state"),
    show_default=True,
    help="State directory (ledger, audit log, plans).",
)


def parse_instant(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """An ISO-8601 instant from the command line; naive values are taken as UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO-8601 instant like 2026-11-23T06:00:00Z"
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


NOW_OPTION = click.option(
    "--now",
    callback=parse_instant,
    metavar="ISO-8601",
    help="Act as of this instant (reproducible runs).",
)


def now_or(given: datetime | None) -> datetime:
    return given or datetime.now(UTC).replace(microsecond=0)


def run_context(
    *,
    now: datetime | None,
    policies_dir: Path = Path("policies"),
    state_dir: Path = Path("state"),
    inventory_path: Path | None = None,
    all_activity: bool = False,
) -> RunContext:
    """The one context of this run: nothing in it is read until a verb asks."""
    from controller.app.run_context import RunContext

    return RunContext(
        policies_dir=policies_dir,
        state_dir=state_dir,
        now=now_or(now),
        environ=os.environ,
        inventory_path=inventory_path,
        all_activity=all_activity,
    )


def guarded(command: Callable[[], int]) -> int:
    """Run a command; expected failures become messages, never tracebacks (pre-commit style)."""
    try:
        return command()
    except AccessctlError as error:
        for line in error.lines():
            console.error(line)
        return int(error.exit_code)
    except KeyboardInterrupt:
        console.error("interrupted")
        return 130
    except Exception as error:  # the last line of defence: no traceback reaches the user
        if os.environ.get("ACCESSCTL_DEBUG"):
            traceback.print_exc()
        console.error(
            f"internal error: {type(error).__name__}; please report it "
            "(set ACCESSCTL_DEBUG=1 to see details)"
        )
        return int(ExitCode.FAILURE)


def finish(code: int) -> None:
    sys.exit(code)


class OneLineErrors(click.Group):
    """click's own usage errors (a missing argument, `--port 70000`) as one `error:` line and
    exit 2, like every other bad input, instead of a usage block."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except NoArgsIsHelpError as error:  # `accessctl` alone: the help it asks for
            console.out(error.format_message())
            sys.exit(error.exit_code)
        except click.ClickException as error:
            console.error(_one_line(error))
            sys.exit(error.exit_code)
        except click.Abort:
            console.error("aborted")
            sys.exit(130)


def _one_line(error: click.ClickException) -> str:
    context = getattr(error, "ctx", None)
    command = context.command_path if context is not None else "accessctl"
    message = " ".join(error.format_message().split()).rstrip(".")
    return f"{command}: {message}; see `{command} --help`"


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="accessctl")
def main() -> None:
    """accessctl: Atlassian Cloud access as code.

    Policies live in git; plans are reviewed in pull requests; merges apply exactly the plan.
    """
    collect_garbage_rarely()


def collect_garbage_rarely() -> None:
    """Read a 100,000-account snapshot without the cyclic collector walking it again and again.

    Reading and planning allocate millions of objects that live to the end of the run and hold
    no reference cycles; with the default threshold (700) the collector passes over all of them
    every few thousand allocations, which costs a third of `plan`'s time. Reference counting
    still frees everything else at once (mypy raises the threshold for the same reason).
    """
    gc.freeze()  # what the imports made is never garbage
    gc.set_threshold(100_000)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--inventory",
    "inventory_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also warn of names the policies use that this snapshot does not have.",
)
@NOW_OPTION
def validate(paths: tuple[Path, ...], inventory_path: Path | None, now: datetime | None) -> None:
    """Check policy files (default: policies/). Exit 2 with FILE:LINE errors if any are wrong."""
    from controller.app.commands import validate as command

    finish(
        guarded(
            lambda: command.run(
                paths=list(paths) or [Path("policies")],
                today=now_or(now).date(),
                inventory_path=inventory_path,
            )
        )
    )


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("schemas"),
    show_default=True,
)
@click.option("--check", is_flag=True, help="Only report schemas that differ from the models.")
def schema(out_dir: Path, check: bool) -> None:
    """Regenerate the JSON Schemas in schemas/ from the models."""
    from controller.app.commands import schema as command

    finish(guarded(lambda: command.run(out_dir=out_dir, check=check)))


@main.command()
@POLICIES_OPTION
@click.option(
    "--org", "org_id", metavar="ORG_ID", help="The organization, when the key reaches several."
)
@click.option(
    "--directory",
    "directory_id",
    metavar="ID",
    help="The directory changes go to, when the organization has several.",
)
@click.option(
    "--jira-api",
    type=click.Choice(["site", "gateway"]),
    default="site",
    show_default=True,
    help="site: JIRA_API_TOKEN will be a classic API token; gateway: a scoped token or a "
    "service account's.",
)
@click.option("--force", is_flag=True, help="Replace policy files that exist.")
@NOW_OPTION
def init(
    policies_dir: Path,
    org_id: str | None,
    directory_id: str | None,
    jira_api: str,
    force: bool,
    now: datetime | None,
) -> None:
    """Write a first policy set from what ATLASSIAN_ADMIN_API_KEY reaches: the organization,
    its directory and Jira sites, and a conservative policy per Jira product."""
    from controller.app.commands import init as command

    request = command.InitRequest(
        policies_dir=policies_dir,
        today=now_or(now).date(),
        org_id=org_id,
        directory_id=directory_id,
        jira_api=cast("JiraApi", jira_api),
        force=force,
    )
    finish(guarded(lambda: command.run(request, environ=os.environ)))


@main.command()
@POLICIES_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
@NOW_OPTION
def doctor(policies_dir: Path, fmt: str, now: datetime | None) -> None:
    """Check every credential, permission and setting a run depends on, changing nothing:
    each ok, FAIL (with the fix) or skipped. Exit 0 when nothing failed, 1 otherwise."""
    from controller.app.commands import doctor as command

    request = command.DoctorRequest(
        policies_dir=policies_dir,
        now=now_or(now),
        fmt=cast("command.DoctorFormat", fmt),
    )
    finish(guarded(lambda: command.run(request, environ=os.environ)))


@main.command()
@POLICIES_OPTION
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the snapshot here instead of stdout.",
)
@STATE_OPTION
@click.option(
    "--all-activity",
    is_flag=True,
    help="Look up the activity of every seat holder the search shows none for, not only "
    "where the policies and the ledger can use it (slower; for reports on products no "
    "policy governs).",
)
@NOW_OPTION
def inventory(
    policies_dir: Path,
    out: Path | None,
    state_dir: Path,
    all_activity: bool,
    now: datetime | None,
) -> None:
    """Read the live organization into an inventory snapshot (JSON)."""
    from controller.app.commands import inventory as command

    context = run_context(
        now=now, policies_dir=policies_dir, state_dir=state_dir, all_activity=all_activity
    )
    finish(guarded(lambda: command.run(context, out=out)))


@main.command()
@click.option(
    "--inventory",
    "inventory_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Plan from this snapshot instead of the live organization.",
)
@POLICIES_OPTION
@STATE_OPTION
@NOW_OPTION
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the plan here instead of stdout.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json", "markdown"]),
    default="yaml",
    show_default=True,
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 3 when the plan has actions.")
def plan(
    inventory_path: Path | None,
    policies_dir: Path,
    state_dir: Path,
    now: datetime | None,
    out: Path | None,
    fmt: str,
    detailed_exitcode: bool,
) -> None:
    """Compute what should change; nothing is changed."""
    from controller.app.commands import plan as command

    context = run_context(
        now=now, policies_dir=policies_dir, state_dir=state_dir, inventory_path=inventory_path
    )
    chosen = cast("command.PlanFormat", fmt)
    finish(
        guarded(
            lambda: command.run(context, out=out, fmt=chosen, detailed_exitcode=detailed_exitcode)
        )
    )


@main.command()
@click.argument(
    "plan_path", metavar="[PLAN]", required=False, type=click.Path(path_type=Path, dir_okay=False)
)
@POLICIES_OPTION
@STATE_OPTION
@NOW_OPTION
@click.option("--dry-run", is_flag=True, help="Show what would run; change nothing.")
@click.option("--push", is_flag=True, help="Push the committed state, rebasing if needed.")
@click.option("--pending", is_flag=True, help="Apply every merged plan not applied or refused yet.")
def apply(
    plan_path: Path,
    policies_dir: Path,
    state_dir: Path,
    now: datetime | None,
    dry_run: bool,
    push: bool,
    pending: bool,
) -> None:
    """Carry out a reviewed plan, re-checking each action, and commit the audit."""
    from controller.app.commands import apply as command

    if (plan_path is None) == (not pending):
        raise click.UsageError("give a PLAN file or --pending (not both)")

    context = run_context(now=now, policies_dir=policies_dir, state_dir=state_dir)
    request = command.ApplyRequest(plan_path=plan_path, dry_run=dry_run, push=push)
    finish(guarded(lambda: command.run(context, request)))


INVENTORY_OPTION = click.option(
    "--inventory",
    "inventory_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Plan from this snapshot instead of the live organization.",
)


@main.command()
@INVENTORY_OPTION
@POLICIES_OPTION
@STATE_OPTION
@NOW_OPTION
@click.option("--base", "base_branch", help="Branch the plan PR targets (default: current).")
def propose(
    inventory_path: Path | None,
    policies_dir: Path,
    state_dir: Path,
    now: datetime | None,
    base_branch: str | None,
) -> None:
    """Plan, push the plan branch and open or refresh the plan pull request."""
    from controller.app.commands import propose as command

    context = run_context(
        now=now, policies_dir=policies_dir, state_dir=state_dir, inventory_path=inventory_path
    )
    finish(guarded(lambda: command.run(context, base_branch=base_branch)))


@main.command()
@INVENTORY_OPTION
@POLICIES_OPTION
@STATE_OPTION
@NOW_OPTION
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and write nothing.")
@click.option(
    "--commit/--no-commit", default=True, show_default=True, help="Commit the updated ledger."
)
@click.option("--push", is_flag=True, help="Push the committed ledger, rebasing if needed.")
def notify(
    inventory_path: Path | None,
    policies_dir: Path,
    state_dir: Path,
    now: datetime | None,
    dry_run: bool,
    commit: bool,
    push: bool,
) -> None:
    """Mail the warnings and expiry reminders that are due, and record them in the ledger."""
    from controller.app.commands import notify as command

    context = run_context(
        now=now, policies_dir=policies_dir, state_dir=state_dir, inventory_path=inventory_path
    )
    request = command.NotifyRequest(dry_run=dry_run, commit=commit, push=push)
    finish(guarded(lambda: command.run(context, request)))


@main.command()
@click.option("--base", "base_ref", required=True, help="Git ref the pull request merges into.")
@INVENTORY_OPTION
@POLICIES_OPTION
@STATE_OPTION
@NOW_OPTION
@click.option("--comment", "pull_number", type=int, help="Post as ONE comment on this PR.")
def preview(
    base_ref: str,
    inventory_path: Path | None,
    policies_dir: Path,
    state_dir: Path,
    now: datetime | None,
    pull_number: int | None,
) -> None:
    """Show what merging this policy change would change, account by account."""
    from controller.app.commands import preview as command

    context = run_context(
        now=now, policies_dir=policies_dir, state_dir=state_dir, inventory_path=inventory_path
    )
    request = command.PreviewRequest(base_ref=base_ref, comment_on=pull_number)
    finish(guarded(lambda: command.run(context, request)))


@main.command()
@click.option(
    "--inventory",
    "inventory_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Report on this snapshot instead of the live organization.",
)
@POLICIES_OPTION
@STATE_OPTION
@NOW_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "html", "csv", "json"]),
    default="markdown",
    show_default=True,
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write it here.")
def report(
    inventory_path: Path | None,
    policies_dir: Path,
    state_dir: Path,
    now: datetime | None,
    fmt: str,
    out: Path | None,
) -> None:
    """License and access report: seats by activity, savings, history, approvals."""
    from controller.app.commands import report as command

    context = run_context(
        now=now, policies_dir=policies_dir, state_dir=state_dir, inventory_path=inventory_path
    )
    request = command.ReportRequest(fmt=cast("command.ReportFormat", fmt), out=out)
    finish(guarded(lambda: command.run(context, request)))


@main.command()
@click.option("--account", metavar="EMAIL|ID", help="Only this account (e-mail or accountId).")
@click.option(
    "--since", callback=parse_instant, metavar="DATE", help="Only from this date or instant on."
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@STATE_OPTION
def audit(account: str | None, since: datetime | None, fmt: str, state_dir: Path) -> None:
    """The story of one account or period: warned, revoked by which plan, approved by whom."""
    from controller.app.commands import audit as command

    context = run_context(now=None, state_dir=state_dir)
    request = command.AuditRequest(
        account=account, since=since, fmt=cast("command.AuditFormat", fmt)
    )
    finish(guarded(lambda: command.run(context, request)))


@main.command("request-access")
@click.argument("account", metavar="[EMAIL]", required=False)
@click.option("--product", help="Product key to grant, e.g. jira-software.")
@click.option("--group", "groups", multiple=True, help="A group to add to (repeatable).")
@click.option("--site", help="Site of the product (required when the org has several).")
@click.option("--reason", help="Why; the reviewer reads it.")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--base", "base_branch", help="Branch to merge into (default: the current one).")
@click.option(
    "--from-issue",
    "issue",
    type=click.IntRange(min=1),
    metavar="N",
    help="Answer the request made in issue N (the form the mails link to).",
)
@click.option("--settle", is_flag=True, help="Close requests whose pull request was decided.")
@click.option("--push", is_flag=True, help="Push the state a restore commits (--from-issue).")
@POLICIES_OPTION
@STATE_OPTION
@NOW_OPTION
def request_access(
    account: str | None,
    product: str | None,
    groups: tuple[str, ...],
    site: str | None,
    reason: str | None,
    expires: datetime | None,
    base_branch: str | None,
    issue: int | None,
    settle: bool,
    push: bool,
    policies_dir: Path,
    state_dir: Path,
    now: datetime | None,
) -> None:
    """Ask for access: EMAIL opens a pull request that grants a product or groups (an
    AccessGrants entry); --from-issue N answers a request made in an issue (restored at once
    when a restore policy pre-approves it, else a pull request); --settle closes requests
    whose pull request was merged or closed."""
    from controller.app.commands import request_access as command
    from controller.app.commands import request_issue
    from controller.app.grant_requests import AccessRequest

    context = run_context(now=now, policies_dir=policies_dir, state_dir=state_dir)
    if issue is not None or settle:
        if account or reason or product or groups or (issue is not None and settle):
            raise click.UsageError("give EMAIL and --reason, --from-issue N, or --settle")
        if settle:
            finish(guarded(lambda: request_issue.settle(context)))
        number = issue or 0
        asked = request_issue.IssueRequest(number=number, push=push)
        finish(guarded(lambda: request_issue.run(context, asked)))
    if account is None or reason is None:
        raise click.UsageError("give EMAIL and --reason (or --from-issue N, or --settle)")
    request = AccessRequest(
        account=account,
        reason=reason,
        product=product,
        groups=groups,
        site=site,
        expires=expires.date() if expires else None,
        base_branch=base_branch,
    )
    finish(guarded(lambda: command.run(context, request)))


@main.group()
def sim() -> None:
    """Local simulators of the services accessctl talks to (for demos and tests)."""


PORT = click.IntRange(0, 65535)


@sim.command("serve")
@click.option("--port", type=PORT, default=0, show_default=True, help="0 picks a free port.")
@click.option("--users", type=int, help="Generate this many accounts (default 500).")
@click.option("--seed", type=int, help="Seed of the generated organization (default 7).")
@click.option(
    "--org",
    "org_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Serve this inventory snapshot instead of a generated organization.",
)
@click.option("--latency-ms", type=float, default=0.0, show_default=True)
@click.option("--rate-limit", type=float, help="Requests per second per API family.")
@click.option("--fault-rate", type=float, default=0.0, show_default=True, help="0..1")
@click.option("--admin-key", default="sim-admin-key", show_default=True)
@click.option("--jira-email", default="bot@example.com", show_default=True)
@click.option("--jira-token", default="sim-jira-token", show_default=True)
@NOW_OPTION
def sim_serve(
    port: int,
    users: int | None,
    seed: int | None,
    org_path: Path | None,
    latency_ms: float,
    rate_limit: float | None,
    fault_rate: float,
    admin_key: str,
    jira_email: str,
    jira_token: str,
    now: datetime | None,
) -> None:
    """Serve a simulated Atlassian Cloud org on 127.0.0.1 and print its environment."""
    from controller.app.commands import sim_atlassian as command

    finish(
        guarded(
            lambda: command.serve_atlassian(
                port=port,
                users=users,
                seed=seed,
                org_path=org_path,
                latency_ms=latency_ms,
                rate_limit=rate_limit,
                fault_rate=fault_rate,
                admin_key=admin_key,
                jira_email=jira_email,
                jira_token=jira_token,
                now=now_or(now),
            )
        )
    )


@sim.command("github")
@click.option("--repository", required=True, help="OWNER/NAME the simulated API answers for.")
@click.option(
    "--git-dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Bare git repository holding the branches (created empty if missing).",
)
@click.option("--port", type=PORT, default=0, show_default=True, help="0 picks a free port.")
@click.option("--token", default="sim-github-token", show_default=True)
@click.option(
    "--actions-may-open-prs",
    is_flag=True,
    help="Allow GitHub Actions to create pull requests (off in a new GitHub repository).",
)
def sim_github(
    repository: str, git_dir: Path, port: int, token: str, actions_may_open_prs: bool
) -> None:
    """Serve a simulated GitHub REST API for one repository and print its environment."""
    from controller.app.commands import sim_github as command

    finish(
        guarded(
            lambda: command.serve_github(
                repository=repository,
                git_dir=git_dir,
                port=port,
                token=token,
                actions_may_open_prs=actions_may_open_prs,
            )
        )
    )
