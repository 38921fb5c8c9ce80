"""Preview of a policy pull request: what merging it would change (DESIGN "CI comments the impact").

Pure: `diff_plans` compares the plan at the pull request's base with the plan of the pull request
(both over the same inventory and ledger); `render_preview` and `render_invalid` write the comment.
The command that reads git, the organization and GitHub is `controller.app.commands.preview`.
"""

from controller.core.preview.comment import MARKER, Provenance, render_invalid, render_preview
from controller.core.preview.diff import (
    CHANGES,
    Change,
    PlanDiff,
    PolicyDiff,
    SeatChange,
    diff_plans,
)

__all__ = [
    "CHANGES",
    "MARKER",
    "Change",
    "PlanDiff",
    "PolicyDiff",
    "Provenance",
    "SeatChange",
    "diff_plans",
    "render_invalid",
    "render_preview",
]
