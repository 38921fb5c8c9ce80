"""PURE: an access request made in a GitHub issue, from the form to what accessctl does with it.

Between the issue (read by `controller.app.commands.request_issue`) and the restore or the pull
request it leads to: `form` reads the issue form's Markdown, `decision` says whether to refuse
it, restore the seat at once (a reviewed RestorePolicy pre-approves it) or open a pull request
for review, and `comments` words the one comment the issue gets at each step.
"""

from controller.core.access_request.comments import (
    MARKER,
    failed_comment,
    refused_comment,
    restored_comment,
    review_comment,
    settled_comment,
)
from controller.core.access_request.decision import (
    Asked,
    Refused,
    Requester,
    Restore,
    Review,
    find_account,
    restore_plan,
    route_request,
)
from controller.core.access_request.form import (
    DEFAULT_LABELS,
    FIELDS,
    FormProblems,
    RequestForm,
    form_labels,
    parse_request,
)

__all__ = [
    "DEFAULT_LABELS",
    "FIELDS",
    "MARKER",
    "Asked",
    "FormProblems",
    "Refused",
    "RequestForm",
    "Requester",
    "Restore",
    "Review",
    "failed_comment",
    "find_account",
    "form_labels",
    "parse_request",
    "refused_comment",
    "restore_plan",
    "restored_comment",
    "review_comment",
    "route_request",
    "settled_comment",
]
