"""`accessctl validate [PATH...]`: check policy files; every problem as FILE:LINE: key: what."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from controller.app import console
from controller.core.policy import load_policies


def run(*, paths: Sequence[Path], today: date) -> int:
    loaded = load_policies(paths, today=today)
    for warning in loaded.warnings:
        console.warn(str(warning))
    kinds = Counter(kind for kind, _ in loaded.sources)
    listed = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    console.out(f"ok: {len(loaded.files)} files valid ({listed})")
    return 0
