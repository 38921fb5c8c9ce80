"""The plan: model, canonical files, Markdown for review (DESIGN §5). Pure."""

from controller.plan.canonical import dump_plan_json, dump_plan_yaml, parse_plan
from controller.plan.markdown import render_markdown
from controller.plan.model import Action, Plan, Skipped, Summary

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
