"""PURE: the one comment an access-request issue gets, worded for the person who asked.

Each step replaces the previous text of the same comment (found by `MARKER`): refused, sent
for review, restored, approved or declined. Whatever came from the issue or the organization is
shown in code spans (`controller.core.inert_text.md_prose`): it cannot mention, link or render.
"""

from __future__ import annotations

from collections.abc import Sequence

from controller.core.inert_text import md_prose
from controller.core.plan.model import GroupRef

MARKER = "<!-- accessctl:access-request -->"


_code = md_prose


def refused_comment(reasons: Sequence[str]) -> str:
    listed = "\n".join(f"- {md_prose(reason)}" for reason in reasons)
    return (
        f"{MARKER}\n**accessctl cannot act on this request as it is:**\n\n{listed}\n\n"
        "Edit the issue to correct it; accessctl reads it again when the issue is edited."
    )


def review_comment(*, pull: int, why: str) -> str:
    return (
        f"{MARKER}\n**Sent for review in #{pull}.** It was not restored at once: "
        f"{md_prose(why)}.\n\nWhen a reviewer merges #{pull}, the next plan gives the access "
        "back and this issue is closed; if the pull request is closed instead, so is this issue."
    )


def restored_comment(
    *,
    account: str,
    site: str,
    product: str,
    groups: Sequence[GroupRef],
    policy: str,
    plan_id: str,
) -> str:
    given = ", ".join(_code(g.name) for g in groups) or "the account's suspension lifted"
    return (
        f"{MARKER}\n**Restored.** {_code(account)} holds {_code(product)} on {_code(site)} "
        f"again: {given}, exactly what accessctl removed.\n\nPre-approved by the restore policy "
        f"{_code(policy)}; carried out and recorded in `state/` as {_code(plan_id)}. "
        "Closing this issue."
    )


def failed_comment(*, detail: str) -> str:
    return (
        f"{MARKER}\n**Not restored yet:** {md_prose(detail)}.\n\nThe administrators are "
        "told; the request stays open and is tried again when the issue is edited."
    )


def settled_comment(*, pull: int, merged: bool, by: str | None) -> str:
    if merged:
        who = f" by @{by}" if by else ""
        return (
            f"{MARKER}\n**Approved:** #{pull} was merged{who}. The next plan gives the access "
            "back. Closing this issue."
        )
    return (
        f"{MARKER}\n**Declined:** #{pull} was closed without merging. Closing this issue; "
        "open a new request if things change."
    )
