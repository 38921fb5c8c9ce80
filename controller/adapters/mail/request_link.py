"""The "get it back" link of the warning and revocation mails: an issue form, or a mailbox.

Part of `controller.adapters.mail`, beside the message contexts (`compose`). The Organization's
`notifications.request_link` says where a person asks for the seat back:

- `github-issue` (default): the policy repository's issue form,
  `<repository>/issues/new?template=request-access.yml&title=...&account=...&site=...&product=...`
  (GitHub fills each input from the query parameter named after its `id`); nothing is needed
  but a GitHub login. The repository is `repository_url` when the Organization sets it, else
  `$GITHUB_SERVER_URL/$GITHUB_REPOSITORY`, which GitHub Actions sets for the job that mails;
  with neither, the mail has no link and names the contact instead.
- `mailbox`: a `mailto:` link to `mailbox` with the subject and body filled in.
- `none`: no link.

The issue title and the mail's subject and body come from the `access-request` templates, which
a policy repository may override in `policies/templates/` like every other template. Every value
that goes into a link is percent-encoded; the repository from the environment is checked first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlencode

from controller.adapters.mail.rendering import Templates
from controller.core.plan.model import Action
from controller.core.policy.models import Organization

_SERVER = re.compile(r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")


@dataclass(frozen=True)
class RequestLinks:
    """Where this run's mails send a person asking for a seat back."""

    via: Literal["github-issue", "mailbox", "none"]
    repository_url: str | None = None
    issue_form: str = "request-access.yml"
    mailbox: str | None = None

    def link(
        self, action: Action, *, context: Mapping[str, object], templates: Templates
    ) -> str | None:
        """The link for the seat `action` is about; None when there is nowhere to send it."""
        if self.via == "github-issue" and self.repository_url:
            title = templates.render_text("access-request.subject.j2", context)
            query = {
                "template": self.issue_form,
                "title": " ".join(title.split()),
                "account": action.email or action.account_id,
                "site": action.site,
                "product": action.product,
            }
            return f"{self.repository_url}/issues/new?{urlencode(query, quote_via=quote)}"
        if self.via == "mailbox" and self.mailbox:
            subject = " ".join(templates.render_text("access-request.subject.j2", context).split())
            body = templates.render_text("access-request.txt.j2", context)
            fields = urlencode({"subject": subject, "body": body}, quote_via=quote)
            return f"mailto:{quote(self.mailbox, safe='@')}?{fields}"
        return None


def request_links(organization: Organization, environ: Mapping[str, str]) -> RequestLinks:
    """The Organization's choice, with the repository from the environment when it names none."""
    setting = organization.notifications.request_link
    repository = setting.repository_url or _repository_from(environ)
    return RequestLinks(
        via=setting.via,
        repository_url=repository.rstrip("/") if repository else None,
        issue_form=setting.issue_form,
        mailbox=setting.mailbox,
    )


def _repository_from(environ: Mapping[str, str]) -> str | None:
    """`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY` when both are set and well-formed."""
    server = (environ.get("GITHUB_SERVER_URL") or "").rstrip("/")
    repository = environ.get("GITHUB_REPOSITORY") or ""
    if not _SERVER.match(server) or not _REPOSITORY.match(repository):
        return None
    return f"{server}/{repository}"
