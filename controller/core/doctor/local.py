"""Doctor's judges of what the run brings itself: the policy set (on its own, and against the
organization's groups and grants), the plan key, the mail server.

Pure functions to a `Finding`; the SMTP session itself is opened (and closed, with no mail sent)
by `controller.adapters.mail.mailer`, which hands over what it met.
"""

from __future__ import annotations

from collections.abc import Sequence

from controller.core.doctor.findings import Finding, Refused
from controller.core.errors import BadInput, Problem
from controller.core.plan.seal import PLAN_KEY_VARIABLE, PlanKey
from controller.core.policy import LoadedPolicies
from controller.core.policy.references import check_references
from controller.core.snapshot import Inventory

SHOWN_PROBLEMS = 3


def policies(loaded: LoadedPolicies | Sequence[Problem], *, directory: str) -> Finding:
    check = "policies"
    if isinstance(loaded, LoadedPolicies):
        warned = f", {len(loaded.warnings)} warning(s)" if loaded.warnings else ""
        return Finding.ok(check, f"{len(loaded.files)} file(s) in {directory} valid{warned}")
    shown = "; ".join(str(problem) for problem in loaded[:SHOWN_PROBLEMS])
    more = f" (and {len(loaded) - SHOWN_PROBLEMS} more)" if len(loaded) > SHOWN_PROBLEMS else ""
    return Finding.fail(
        check,
        f"{len(loaded)} problem(s): {shown}{more}",
        fix=f"run `accessctl validate {directory}` and fix each FILE:LINE it names",
    )


def references(loaded: LoadedPolicies, seen: Inventory | Refused) -> Finding:
    """Whether every site, product and group the policies name is in the organization: `seen`
    holds its groups and what they grant (no accounts). `accessctl plan` refuses a policy set
    that names what the organization lacks, so doctor fails it before the first run does."""
    check = "policies: against the organization"
    if isinstance(seen, Refused):
        return Finding.fail(check, seen.message, fix="fix what the Atlassian checks above name")
    problems = check_references(loaded, seen)
    if not problems:
        return Finding.ok(check, "every site, product and group the policies name is there")
    shown = "; ".join(str(problem) for problem in problems[:SHOWN_PROBLEMS])
    more = f" (and {len(problems) - SHOWN_PROBLEMS} more)" if len(problems) > SHOWN_PROBLEMS else ""
    return Finding.fail(
        check,
        f"{len(problems)} name(s) the organization lacks, which `accessctl plan` refuses: "
        f"{shown}{more}",
        fix="correct each FILE:LINE it names; `accessctl inventory --out FILE` then "
        "`accessctl validate --inventory FILE` lists them all",
    )


def plan_key(text: str | None) -> Finding:
    """Whether `ACCESSCTL_PLAN_KEY` can seal plans; the key itself is never shown."""
    check = "plan key"
    try:
        PlanKey.from_text(text)
    except BadInput as error:
        return Finding.fail(
            check,
            error.message.split(":", 1)[0],
            fix=f"set {PLAN_KEY_VARIABLE} to `openssl rand -hex 32`'s output, here and as a "
            "secret of the accessctl environment on GitHub (docs/github.md)",
        )
    return Finding.ok(check, f"{PLAN_KEY_VARIABLE} is set and long enough to seal plans")


def smtp(seen: str | Refused | None, *, warns: bool) -> Finding:
    """`seen`: how the session went (`host:port, TLS, login`), a refusal, or None when the
    Organization names no mail server; `warns`: a policy warns by mail before it revokes."""
    check = "smtp"
    if seen is None and warns:
        return Finding.fail(
            check,
            "the policies warn before revoking, and warnings go by mail: with no "
            "notifications.smtp nobody is warned, so nothing is ever revoked",
            fix="set notifications.smtp in the Organization policy (host, port, security, "
            "from; username with SMTP_PASSWORD), or set warn_before_days: 0",
        )
    if seen is None:
        return Finding.skipped(
            check, "notifications.smtp names no mail server: no warning or notice is mailed"
        )
    if isinstance(seen, Refused):
        return Finding.fail(
            check, seen.message, fix="fix notifications.smtp (and SMTP_PASSWORD) as it says"
        )
    return Finding.ok(check, f"{seen}; no mail sent")
