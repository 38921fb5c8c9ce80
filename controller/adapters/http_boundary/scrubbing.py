"""Secrets out of every message accessctl builds from what another party said. Pure.

One scrubber for every boundary: Atlassian and GitHub error bodies (an echoing proxy or error
page can carry the request's credentials), git's output (remote URLs with a token in them) and
SMTP replies. It removes:

- every secret the caller knows (API key, token, password, a derived Basic-auth value),
  the longest first, so one secret containing another leaves no fragment;
- credentials embedded in URLs (`https://x-access-token:ghs_...@github.com/...`);
- anything shaped like an Authorization value (`Bearer ...`, `Basic ...` followed by a long or
  digit-bearing credential) or a GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`,
  `github_pat_` prefixes), known or not.

`one_line` then makes it a single line cut to a length that identifies an error, no more.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"
MAX_DETAIL_CHARS = 300

_AUTHORIZATION_VALUE = re.compile(r"(?i)\b(bearer|basic)\s+([A-Za-z0-9._~+/=-]{12,})")
# A credential, not a word ("Basic authentication is deprecated"): long, or holding a digit.
_CREDENTIAL_LENGTH = 32
_URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s]+@")
_GITHUB_TOKEN = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{16,})")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret, URL credential, Authorization value and token replaced."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _URL_CREDENTIALS.sub(f"{REDACTED}@", text)
    text = _GITHUB_TOKEN.sub(REDACTED, text)
    return _AUTHORIZATION_VALUE.sub(_redacted_authorization, text)


def _redacted_authorization(match: re.Match[str]) -> str:
    scheme, value = match.group(1), match.group(2)
    if len(value) < _CREDENTIAL_LENGTH and not any(c.isdigit() for c in value):
        return match.group(0)
    return f"{scheme} {REDACTED}"


def one_line(text: str, limit: int = MAX_DETAIL_CHARS) -> str:
    """One line, at most `limit` characters: enough to recognise an error, no more."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def scrubbed_line(text: str, secrets: Iterable[str] = (), *, limit: int = MAX_DETAIL_CHARS) -> str:
    """Scrubbed first (a cut could leave part of a secret no pattern matches), then one line."""
    return one_line(scrub(text, secrets), limit)
