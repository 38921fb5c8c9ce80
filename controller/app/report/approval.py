"""Who approved a plan, as the reports show it: the person who merged it. Pure.

`accessctl report` and `accessctl audit` read it from git (`controller.app.approvals`); the
audit records and applied markers they set it beside are `controller.core.state_records`.
"""

from __future__ import annotations

from controller.core.model_base import Frozen, Instant


class Approval(Frozen):
    """Who let a plan in: the author of the commit that brought the plan file into the default
    branch, which for a merged pull request is whoever merged it."""

    commit: str
    name: str
    email: str
    at: Instant
    merge: bool = True

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>"
