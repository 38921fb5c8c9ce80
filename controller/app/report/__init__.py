"""License and access reports (DESIGN §1 `report`): seats by activity, what the policies would
reclaim and save, and the history of what was applied and who approved it.

Pure: `build_report` and `build_trail` turn values the commands read (policies, inventory, plan,
audit records, applied markers, approvals from git, ledger) into pydantic values; `markdown`,
`html` (with `charts`) and `csv` render them. `controller.app.commands.report` and
`controller.app.commands.audit` do the reading and writing.
"""

from controller.app.report.approval import Approval
from controller.app.report.csv import render_csv
from controller.app.report.html import render_html
from controller.app.report.markdown import render_markdown
from controller.app.report.model import Report, build_report
from controller.app.report.trail import AuditTrail, TrailEvent, build_trail, plans_needed

__all__ = [
    "Approval",
    "AuditTrail",
    "Report",
    "TrailEvent",
    "build_report",
    "build_trail",
    "plans_needed",
    "render_csv",
    "render_html",
    "render_markdown",
]
