"""The plan: model, canonical files, Markdown for review (DESIGN §5). Pure."""

from controller.core.plan.canonical import dump_plan_json, dump_plan_yaml, parse_plan
from controller.core.plan.model import Action, Plan, Skipped, Summary
from controller.core.plan.review_body import render_markdown

__all__ = [
    "Action",
    "Plan",
    "Skipped",
    "Summary",
    "dump_plan_json",
    "dump_plan_yaml",
    "parse_plan",
    "render_markdown",
]
