"""`accessctl request-access EMAIL --product P --reason "..."`: an access request as a pull request.

For someone who uses git: the request becomes a pull request adding one AccessGrants entry, on
a branch `access-request/<who>-<what>` (`controller.app.grant_requests`). Reviewing and merging
it is the approval; the next plan grants the access. A request made in an issue (the link in
the mails) is `accessctl request-access --from-issue N` (`request_issue`).
"""

from __future__ import annotations

from controller.adapters.github import GitHubForge
from controller.app import console
from controller.app.grant_requests import (
    AccessRequest,
    GrantPull,
    open_grant_pull,
    pull_body,
    pull_title,
    request_branch,
)
from controller.app.run_context import RunContext
from controller.core.errors import ExitCode


def run(context: RunContext, request: AccessRequest) -> int:
    title = pull_title(request)
    shape = GrantPull(branch=request_branch(request), title=title, body=pull_body(request))
    with GitHubForge.from_env(context.environ) as forge:
        pull = open_grant_pull(context, request, forge=forge, pull=shape)
    console.out(pull.html_url)
    console.info(f"{title} -> pull request #{pull.number}")
    return ExitCode.OK
