"""The admin digest: one mail per run to `notifications.admin_digest` saying what happened.

Part of `controller.adapters.mail`; both `accessctl notify` and `accessctl apply` send one. It
carries counts, every failure, whoever could not be mailed, the accounts a rule matched but that
were spared (protected, excluded, not executed), and a link back to GitHub when the run knows one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from controller.adapters.mail.compose import Mail, organization_label
from controller.adapters.mail.delivery import Delivery
from controller.adapters.mail.due import Outbox
from controller.adapters.mail.rendering import Templates
from controller.core.plan.model import Skipped
from controller.core.policy.models import Organization

# A digest is read by a person: past this many lines per section, the plan file has the rest.
MAX_LINES_PER_SECTION = 50
_PULL_REF = re.compile(r"^refs/pull/(\d+)/")


@dataclass(frozen=True)
class DigestFacts:
    title: str
    counts: tuple[tuple[str, int], ...]
    failures: tuple[str, ...] = ()
    unreachable: tuple[str, ...] = ()
    spared: tuple[str, ...] = ()
    link: str | None = None

    @property
    def worth_sending(self) -> bool:
        """Something happened or needs a person; an all-quiet run sends no digest."""
        return any(n for _, n in self.counts) or bool(self.failures or self.unreachable)


def notify_digest_facts(
    outbox: Outbox, delivery: Delivery, *, spared: Iterable[Skipped], link: str | None
) -> DigestFacts:
    """What one `accessctl notify` run did, for the admins."""
    counts = (
        ("warnings sent", delivery.count("warning")),
        ("expiry reminders sent", delivery.count("expiry-reminder")),
        ("not delivered", len(delivery.failed)),
        ("not mailed (no address)", len(outbox.unreachable)),
    )
    return DigestFacts(
        title="notifications sent by accessctl notify",
        counts=counts,
        failures=tuple(str(f) for f in delivery.failed),
        unreachable=tuple(str(u) for u in outbox.unreachable),
        spared=spared_lines(spared),
        link=link,
    )


def spared_lines(skipped: Iterable[Skipped]) -> tuple[str, ...]:
    return tuple(
        f"{s.email or s.account_id} ({s.product} on {s.site}, {s.policy}): {s.reason}"
        for s in skipped
    )


def run_link(environ: Mapping[str, str], *, commit: str | None = None) -> str | None:
    """The pull request (on a pull-request run), else the merge commit (GitHub lists its pull
    request there), else the workflow run; None outside GitHub Actions."""
    repository = environ.get("GITHUB_REPOSITORY")
    if not repository:
        return None
    base = f"{environ.get('GITHUB_SERVER_URL') or 'https://github.com'}/{repository}"
    pull = _PULL_REF.match(environ.get("GITHUB_REF", ""))
    if pull:
        return f"{base}/pull/{pull.group(1)}"
    if commit:
        return f"{base}/commit/{commit}"
    run_id = environ.get("GITHUB_RUN_ID")
    return f"{base}/actions/runs/{run_id}" if run_id else None


def digest_mail(
    facts: DigestFacts, *, organization: Organization, templates: Templates, now: datetime
) -> Mail | None:
    """The digest for this run, or None when nobody subscribed to it."""
    recipients = organization.notifications.admin_digest
    if not recipients:
        return None
    context = {
        "title": facts.title,
        "when": now,
        "organization": organization_label(organization),
        "counts": facts.counts,
        "failures": _capped(facts.failures),
        "unreachable": _capped(facts.unreachable),
        "spared": _capped(facts.spared),
        "link": facts.link,
    }
    rendered = templates.render("digest", context)
    about = f"digest to {', '.join(recipients)}"
    return Mail(kind="digest", to=recipients, about=about, rendered=rendered)


@dataclass(frozen=True)
class Section:
    lines: tuple[str, ...]
    more: int  # lines left out


def _capped(lines: Sequence[str]) -> Section:
    shown = tuple(lines[:MAX_LINES_PER_SECTION])
    return Section(lines=shown, more=len(lines) - len(shown))
