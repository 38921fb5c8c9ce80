"""`accessctl schema`: regenerate schemas/ from the models."""

from __future__ import annotations

from pathlib import Path

from controller.adapters.files import write_output
from controller.app import console
from controller.core.schemas import generated_schemas, schema_bytes


def run(*, out_dir: Path, check: bool) -> int:
    stale: list[Path] = []
    for name, schema in generated_schemas().items():
        path = out_dir / name
        data = schema_bytes(schema)
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(path)
        if not check:
            write_output(path, data, what="schema")
            console.info(f"wrote {path}")
    if check and stale:
        for path in stale:
            console.error(f"{path} is out of date with the models; run `accessctl schema`")
        return 1
    return 0
