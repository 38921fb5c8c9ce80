"""`make demo`: the whole GitOps loop on this machine, against the built-in simulators.

Starts the Atlassian Cloud and GitHub simulators and a mail catcher on free loopback ports, makes
a workspace (a bare `origin` and a clone holding the example `policies/`), and then plays three
days of a policy repository's life with the real `accessctl` commands, the way the GitHub
workflows run them:

  before  doctor -> every credential, permission and setting the loop depends on: all pass
  day 0   notify -> warning mails to idle users (ledger committed)
          propose -> a plan PR (an access grant) -> merge -> apply
  day 8   notify -> nothing new; propose -> a plan PR revoking the still idle -> merge
          -> apply (seats reclaimed, revocation notices mailed, each with a "get it back" link)
  day 9   a removed person follows the link in their mail, fills in the request form and
          submits it; the request workflow (`request-access --from-issue`) finds the restore
          pre-approved by the reviewed RestorePolicy and gives the seat back within the run

and shows the pull requests GitHub received, the request issue, the audit records and the seats
per product before and after. Servers stop at the end; the workspace is left for you to look at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table

from controller.adapters.atlassian.credentials import connector_environment
from controller.adapters.github import GitHubForge
from controller.adapters.state_dir import StateDir
from controller.app.labels import REQUEST_LABEL
from controller.core.model_base import format_instant
from controller.core.plan import Plan, parse_plan
from controller.core.plan.seal import PLAN_KEY_VARIABLE
from controller.core.snapshot import Inventory, parse_inventory, seat_counts
from controller.core.state_records import AuditRecord
from controller.sim.atlassian import SimConfig, create_app, site_url_template
from controller.sim.generate import generate_org
from controller.sim.github import (
    ADMIN_TOKEN,
    ActionsSettings,
    RepositorySettings,
    init_bare_repository,
)
from controller.sim.github import create_app as create_github_app
from controller.sim.mail import MailCatcher, catching_mail
from controller.sim.server import running

REPOSITORY = "acme/access-policies"
USERS = 500
SEED = 7
DAY_0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
SOURCE = Path(__file__).resolve().parents[2]
SHOWN_OUTPUT_LINES = 5
DEMO_PLAN_KEY = "demo-plan-key-not-a-secret-0123456789abcdef"
SIM = SimConfig()
console = Console(highlight=False)


@dataclass(frozen=True)
class Demo:
    workspace: Path
    clone: Path
    atlassian_url: str
    github_url: str
    mail: MailCatcher

    @property
    def environ(self) -> dict[str, str]:
        return {
            **os.environ,
            **connector_environment(
                api_base=self.atlassian_url,
                site_url_template=site_url_template(self.atlassian_url),
                admin_key=SIM.admin_key,
                jira_email=SIM.jira_email,
                jira_token=SIM.jira_token,
            ),
            "GITHUB_API_URL": self.github_url,
            "GITHUB_REPOSITORY": REPOSITORY,
            "GITHUB_TOKEN": "sim-github-token",
            # GitHub Actions sets it: the mails link to the request form on this "GitHub".
            "GITHUB_SERVER_URL": self.github_url,
            # What the plan and apply workflows hold as a secret (docs/apply-trust.md).
            PLAN_KEY_VARIABLE: DEMO_PLAN_KEY,
            "ACCESSCTL_GIT_NAME": "accessctl",
            "ACCESSCTL_GIT_EMAIL": "accessctl@users.noreply.github.com",
            # The demo's own commits (the seed and the merges) are a reviewer's.
            "GIT_AUTHOR_NAME": "Riley Reviewer",
            "GIT_AUTHOR_EMAIL": "riley@acme.example",
            "GIT_COMMITTER_NAME": "Riley Reviewer",
            "GIT_COMMITTER_EMAIL": "riley@acme.example",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.workspace / "home"),
        }

    def accessctl(self, *args: str, shown: int = SHOWN_OUTPUT_LINES) -> int:
        """Run one accessctl command as the workflow would, showing its output indented."""
        console.print(f"[bold cyan]$ accessctl {' '.join(args)}[/]")
        done = self.run_accessctl(*args)
        lines = (done.stdout + done.stderr).strip().splitlines()
        for line in lines[:shown]:
            console.print(f"  {line}", style="dim", markup=False, soft_wrap=True)
        if len(lines) > shown:
            console.print(f"  … {len(lines) - shown} more lines", style="dim")
        return done.returncode

    def run_accessctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "controller", *args],
            cwd=self.clone,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def git(self, *args: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd or self.clone,
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()

    def organization(self) -> Inventory:
        data = httpx.get(f"{self.atlassian_url}/__sim/inventory", timeout=30).content
        return parse_inventory(data, source="simulator")

    def forge(self) -> GitHubForge:
        return GitHubForge.from_env(self.environ)

    def reviewer(self) -> GitHubForge:
        """The person who reviews and merges the plan pull request."""
        return GitHubForge.from_env({**self.environ, "GITHUB_TOKEN": ADMIN_TOKEN})


def main() -> int:
    started = time.monotonic()
    workspace = Path(tempfile.mkdtemp(prefix="accessctl-demo-"))
    console.print(Rule("[bold]accessctl demo: Atlassian Cloud access as code[/]"))
    with ExitStack() as servers:
        demo = start(workspace, servers)
        if not check_the_set_up(demo):
            return 1
        before = demo.organization()
        day(demo, DAY_0, title="Day 0: idle users get a warning first")
        revoked = day(
            demo,
            DAY_0 + timedelta(days=8),
            title="Day 8: the warning has run out; seats are revoked",
        )
        asking_back(demo, DAY_0 + timedelta(days=9), revocations=revoked)
        records = show_audit(demo)
        show_seats(before, demo.organization(), records=records)
    console.print(Rule())
    console.print(f"Simulators stopped. Finished in {time.monotonic() - started:.0f} s.")
    console.print(
        f"The workspace is in [bold]{workspace}[/]: `git -C {demo.clone} log --stat` shows"
    )
    console.print("the plans, the audit log and the ledger accessctl committed.")
    return 0


def start(workspace: Path, servers: ExitStack) -> Demo:
    origin = workspace / "origin.git"
    init_bare_repository(origin)
    organization = generate_org(USERS, SEED, now=DAY_0)
    atlassian = servers.enter_context(running(create_app(organization, SIM)))
    # Set up as docs/github.md says: workflows may open the plan pull request.
    settings = RepositorySettings()
    settings.set_actions(ActionsSettings(can_approve_pull_request_reviews=True))
    github = servers.enter_context(
        running(create_github_app(repository=REPOSITORY, git_dir=origin, settings=settings))
    )
    mail = servers.enter_context(catching_mail())
    demo = Demo(workspace, workspace / "policy-repo", atlassian, github, mail)
    seed_repository(demo, origin)
    # As docs/access-requests.md says: the label the request form puts on its issues.
    httpx.post(
        f"{github}/repos/{REPOSITORY}/labels",
        json={"name": REQUEST_LABEL, "color": "0e8a16"},
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        timeout=30,
    ).raise_for_status()
    table = Table.grid(padding=(0, 2))
    table.add_row(
        "Atlassian Cloud simulator", atlassian, f"{len(organization.accounts)} accounts, 2 sites"
    )
    table.add_row("GitHub simulator", github, REPOSITORY)
    table.add_row("Mail catcher (SMTP)", f"127.0.0.1:{mail.port}", "warnings and notices land here")
    table.add_row("Policy repository", str(demo.clone), "clone of a bare origin")
    console.print(table)
    return demo


def seed_repository(demo: Demo, origin: Path) -> None:
    (demo.workspace / "home").mkdir()
    demo.git("clone", "--quiet", str(origin), str(demo.clone), cwd=demo.workspace)
    demo.git("symbolic-ref", "HEAD", "refs/heads/main")
    shutil.copytree(SOURCE / "policies", demo.clone / "policies")
    point_mail_at(demo.clone / "policies" / "organization.yaml", demo.mail.port)
    shutil.copytree(SOURCE / "schemas", demo.clone / "schemas")
    forms = Path(".github") / "ISSUE_TEMPLATE"
    shutil.copytree(SOURCE / forms, demo.clone / forms)
    (demo.clone / "state").mkdir()
    shutil.copy(SOURCE / "state" / "README.md", demo.clone / "state" / "README.md")
    demo.git("add", "--all")
    demo.git("commit", "--quiet", "-m", "Example access policies")
    demo.git("push", "--quiet", "origin", "main")


def point_mail_at(organization: Path, port: int) -> None:
    """The demo's copy of the Organization sends mail to the catcher, without a login."""
    text = organization.read_text(encoding="utf-8")
    text = text.replace("host: smtp.acme.example", "host: 127.0.0.1")
    text = text.replace("port: 587", f"port: {port}").replace(
        "security: starttls", "security: none"
    )
    text = text.replace("    username: accessctl@acme.example\n", "")
    organization.write_text(text, encoding="utf-8")


def check_the_set_up(demo: Demo) -> bool:
    """`accessctl doctor`, as a new admin runs it after `init`: with the workflow's token, every
    check the loop depends on passes (the settings only an admin's token reads are skipped)."""
    console.print(Rule("[bold]Before the first run: accessctl doctor[/]", align="left"))
    code = demo.accessctl("doctor", shown=40)
    if code != 0:
        console.print("[bold red]doctor found a problem; the demo stops here[/]")
    return code == 0


def day(demo: Demo, now: datetime, *, title: str) -> list[EmailMessage]:
    """One scheduled run (notify, propose), a reviewer merging, and the apply on merge; the
    mail the apply sent."""
    console.print(Rule(f"[bold]{title}[/]  ({now:%Y-%m-%d})", align="left"))
    sent = len(demo.mail.received)
    demo.accessctl("notify", "--push", "--now", format_instant(now))
    show_mail(demo.mail.received[sent:])
    demo.accessctl("propose", "--now", format_instant(now))
    pull = demo.forge().find_open_pull("accessctl/plan", "main")
    if pull is None:
        console.print("No plan pull request: the organization is in line with its policies.")
        return []
    show_pull(
        pull.number, pull.title, body=pull.body or "", labels=[label.name for label in pull.labels]
    )
    title = f"Merge plan pull request #{pull.number}"
    merged = demo.reviewer().merge_pull(pull.number, title=title)
    demo.git("pull", "--quiet", "--ff-only", "origin", "main")
    for plan_file in StateDir(demo.clone / "state").pending_plans():
        show_sample_actions(parse_plan(plan_file.read_bytes(), source=str(plan_file)))
    console.print(f"[green]Merged #{pull.number}[/] as {merged.sha[:12]} (a reviewer approved it)")
    sent = len(demo.mail.received)
    demo.accessctl(
        "apply", "--pending", "--push", "--now", format_instant(now + timedelta(hours=1))
    )
    show_mail(demo.mail.received[sent:])
    return demo.mail.received[sent:]


# --- day 9: asking for the seat back ------------------------------------------------------

_LINK = re.compile(r"^(http\S+/issues/new\?\S+)$", re.MULTILINE)


def asking_back(demo: Demo, now: datetime, *, revocations: list[EmailMessage]) -> None:
    """A removed person follows the link in their mail; the request workflow answers."""
    console.print(
        Rule(
            f"[bold]Day 9: a removed user asks for the seat back[/]  ({now:%Y-%m-%d})", align="left"
        )
    )
    asking = next((m for m in revocations if _link(m)), None)
    if asking is None:
        console.print("No revocation mail carried a request link.")
        return
    who, link = str(asking["To"]), _link(asking) or ""
    login = re.sub(r"[^a-z0-9]+", "-", who.split("@", maxsplit=1)[0].lower()).strip("-")
    console.print(Panel(escape(_text_of(asking)), title=f"{who} reads: {asking['Subject']}"))
    list_identity(demo, login=login, account=who)
    number = submit_request(demo, login=login, link=link)
    sent = len(demo.mail.received)
    answered_at = format_instant(now + timedelta(minutes=2))
    demo.accessctl("request-access", "--from-issue", str(number), "--push", "--now", answered_at)
    show_answer(demo, number)
    show_mail(demo.mail.received[sent:])
    show_story(demo, who)


def _link(message: EmailMessage) -> str | None:
    found = _LINK.search(_text_of(message))
    return found.group(1) if found else None


def _text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return str(body.get_content()).replace("\r\n", "\n").strip() if body is not None else ""


def list_identity(demo: Demo, *, login: str, account: str) -> None:
    """IT lists the person's GitHub login in policies/github-identities.yaml, by pull request:
    the reviewed proof that an issue by that login comes from that account."""
    branch = f"people/{login}"
    people = demo.clone / "policies" / "github-identities.yaml"
    demo.git("switch", "--quiet", "-c", branch)
    entry = f"  - github: {login}\n    account: {account}\n"
    people.write_text(people.read_text(encoding="utf-8") + entry, encoding="utf-8")
    demo.git("commit", "--quiet", "-am", f"GitHubIdentities: @{login} is {account}")
    demo.git("push", "--quiet", "origin", branch)
    demo.git("switch", "--quiet", "main")
    reviewer = demo.reviewer()
    title = f"List @{login} in the GitHub identities"
    pull = reviewer.open_or_update_pull(head=branch, base="main", title=title, body=account)
    reviewer.merge_pull(pull.number, title=f"Merge pull request #{pull.number}")
    demo.git("pull", "--quiet", "--ff-only", "origin", "main")
    console.print(f"IT listed [bold]@{login}[/] as {escape(account)} (pull request #{pull.number})")


def submit_request(demo: Demo, *, login: str, link: str) -> int:
    """The person opens the link, says why, submits: GitHub opens the issue as them."""
    person = httpx.post(f"{demo.github_url}/__sim/people", json={"login": login}, timeout=30)
    person.raise_for_status()
    answers = {"reason": "Back from leave: I run the release rota again from Monday."}
    made = httpx.post(
        f"{demo.github_url}/__sim/issue-forms",
        json={"url": link, "answers": answers},
        headers={"Authorization": f"Bearer {person.json()['token']}"},
        timeout=30,
    )
    made.raise_for_status()
    issue = made.json()
    console.print(
        Panel(
            escape(issue["body"]),
            title=f"@{login} opened issue #{issue['number']}: {issue['title']}",
            subtitle=", ".join(label["name"] for label in issue["labels"]),
            expand=False,
        )
    )
    return int(issue["number"])


def show_answer(demo: Demo, number: int) -> None:
    forge = demo.forge()
    issue = forge.get_issue(number)
    for comment in forge.list_comments(number):
        console.print(
            Panel(
                Markdown(comment.body),
                title=f"accessctl on issue #{number} (now {issue.state})",
                expand=False,
            )
        )


def show_story(demo: Demo, who: str) -> None:
    """`accessctl audit --account`: removed by which plan, asked in which issue, under which
    policy restored."""
    console.print(f"[bold cyan]$ accessctl audit --account {who}[/]")
    done = demo.run_accessctl("audit", "--account", who, "--format", "json")
    table = Table(title=f"The story of {who}", expand=True)
    for column in ("When", "Change", "Plan", "Approved by"):
        table.add_column(column)
    for event in json.loads(done.stdout)["events"]:
        approver = event["approved_by"]
        table.add_row(
            event["time"][:16].replace("T", " "),
            f"{event['action']} {event['product']} ({event['outcome']})",
            event["plan_id"][-8:],
            escape(_approver(approver)),
        )
    console.print(table)


def _approver(approval: dict[str, object] | None) -> str:
    if not approval:
        return "unknown"
    if approval.get("source") == "policy":
        request = approval.get("request") or {}
        issue = request.get("issue") if isinstance(request, dict) else None
        return f"restore policy {approval.get('policy')}, asked in issue #{issue}"
    if approval.get("source") == "pull-request":
        return f"@{approval.get('name')} merged #{approval.get('pull')}"
    return str(approval.get("name"))


def show_mail(messages: list[EmailMessage]) -> None:
    """How many mails went out, and the first one as its recipient reads it."""
    if not messages:
        return
    first = messages[0]
    body = first.get_body(preferencelist=("plain",))
    text = str(body.get_content()).strip() if body is not None else ""
    console.print(
        Panel(
            escape("\n".join(text.splitlines()[:8])),
            title=f"{len(messages)} mails sent; the first, to {first['To']}: {first['Subject']}",
            expand=False,
        )
    )


def show_pull(number: int, title: str, *, body: str, labels: list[str]) -> None:
    """The pull request as a reviewer first sees it: totals, then a few of the actions."""
    summary = body.split("\n### ", 1)[0]
    console.print(
        Panel(
            Markdown(summary),
            title=f"Pull request #{number}: {title}",
            subtitle=", ".join(labels),
            expand=False,
        )
    )


def show_sample_actions(plan: Plan, *, rows: int = 4) -> None:
    table = Table(title=f"A few of the {len(plan.actions)} actions in {plan.id}.yaml", expand=True)
    table.add_column("Action", no_wrap=True)
    table.add_column("Account", no_wrap=True, overflow="ellipsis", max_width=28)
    table.add_column("Reason", ratio=1)
    for action in plan.actions[:rows]:
        groups = ", ".join(g.name for g in action.groups)
        reason = f"{action.reason} [{groups}]" if groups else action.reason
        table.add_row(action.action, escape(action.label), escape(reason))
    console.print(table)


def show_audit(demo: Demo) -> list[AuditRecord]:
    records = StateDir(demo.clone / "state").audit_log()
    table = Table(title=f"Audit log committed to git: {len(records)} records (state/audit/)")
    for column in ("Plan", "Action", "Account", "Groups", "Outcome"):
        table.add_column(column)
    for record in records[:8] + records[-8:] if len(records) > 16 else records:
        table.add_row(
            record.plan_id[-8:],
            record.action,
            escape(record.label),
            ", ".join(record.groups),
            record.outcome,
        )
    console.print(table)
    return records


def show_seats(before: Inventory, after: Inventory, *, records: list[AuditRecord]) -> None:
    table = Table(title="Seats in use per product (active people in granting groups)")
    table.add_column("Site")
    table.add_column("Product")
    for column in ("Before", "Revoked", "Granted", "Restored", "After"):
        table.add_column(column, justify="right")
    done = Counter((r.site, r.product, r.action) for r in records if r.outcome == "done")
    old, new = seat_counts(before), seat_counts(after)
    for site, product in sorted(old):
        revoked, granted = done[(site, product, "revoke")], done[(site, product, "grant")]
        restored = done[(site, product, "restore")]
        table.add_row(
            site,
            product,
            str(old[(site, product)]),
            f"[bold green]-{revoked}[/]" if revoked else "0",
            f"+{granted}" if granted else "0",
            f"+{restored}" if restored else "0",
            str(new.get((site, product), 0)),
        )
    console.print(table)


if __name__ == "__main__":
    sys.exit(main())
