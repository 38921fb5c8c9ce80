"""PURE: text from outside made inert wherever accessctl shows it.

Names, e-mail addresses and group names come from the organization (anyone may name a group or
set a display name); policy values come from pull requests. Shown raw, `@org/team` notifies a
team, `[x](javascript:…)` is a link, `<img …>` is markup, and a newline or an ESC in a terminal
forges a line or recolours it. Every renderer uses these two functions:

- `md_literal`: a Markdown code span, in which GitHub renders nothing (no mention, no link, no
  autolink, no HTML, no emphasis), on one line, with pipes escaped for a table cell;
- `printable`: control and format characters (newline, ESC, bidirectional overrides) written
  as escapes, for a terminal or a one-line message.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the templates' module imports jinja2; this one is imported everywhere
    import jinja2

# Cc: controls (newline, ESC); Cf: format (bidirectional overrides, zero-width); Zl, Zp:
# line and paragraph separators.
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp"})


def printable(text: str) -> str:
    """`text` with every control, format and separator character written as an escape."""
    if text.isprintable():
        return text
    return "".join(_escaped(c) if unicodedata.category(c) in _HIDDEN else c for c in text)


def _escaped(character: str) -> str:
    return character.encode("unicode_escape").decode("ascii")


def md_literal(value: object, *, table: bool = True) -> str:
    """`value` as a Markdown code span on one line; `table`: safe inside a table cell (GitHub
    reads `\\|` as a pipe there, code spans included). Empty text stays empty."""
    text = printable(" ".join(str(value).split()))  # line breaks become spaces, then escapes
    if not text:
        return ""
    if table:
        text = text.replace("|", "\\|")
    fence = "`" * (longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_prose(value: object) -> str:
    """`md_literal` outside a table (a heading, a list item, a sentence)."""
    return md_literal(value, table=False)


def code_fence(text: str) -> str:
    """A fence for a code block holding `text`: longer than any run of backticks in it, so the
    content of a user's file cannot close the block early."""
    return "`" * max(3, longest_backtick_run(text) + 1)


def longest_backtick_run(text: str) -> int:
    longest, run = 0, 0
    for character in text:
        run = run + 1 if character == "`" else 0
        longest = max(longest, run)
    return longest


def install_markdown_filters(env: jinja2.Environment) -> jinja2.Environment:
    """`md` (a table cell) and `md_prose` (anywhere else) for the Markdown templates."""
    env.filters["md"] = md_literal
    env.filters["md_prose"] = md_prose
    return env
