"""The GitHub labels accessctl puts on what it opens, in one place: `propose` labels the plan
pull request (GitHub creates the label the first time), the request form labels its issues (the
label must exist), and `doctor` checks both."""

from __future__ import annotations

PLAN_LABEL = "accessctl-plan"
REQUEST_LABEL = "access-request"
