"""`accessctl validate [PATH...]`: check policy files; every problem as FILE:LINE: key: what."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from controller.app import console
from controller.app.run_context import read_inventory_file
from controller.core.policy import load_policies
from controller.core.policy.references import check_references


def run(*, paths: Sequence[Path], today: date, inventory_path: Path | None = None) -> int:
    loaded = load_policies(paths, today=today)
    warnings = list(loaded.warnings)
    if inventory_path is not None:  # the snapshot may be older than the policies: warnings only
        warnings += check_references(loaded, read_inventory_file(inventory_path))
    for warning in sorted(warnings):
        console.warn(str(warning))
    kinds = Counter(kind for kind, _ in loaded.sources)
    listed = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    console.out(f"ok: {len(loaded.files)} files valid ({listed})")
    return 0
