"""Writing files so that a crash or a refusal never leaves half a file behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from controller.core.errors import BadInput


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.chmod(temporary, _mode_for(path))
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_output(path: Path, data: bytes, *, what: str) -> None:
    """A file the user named (`--out`): written whole or not at all; a path that cannot be
    written is bad input that says which and why."""
    try:
        write_atomic(path, data)
    except OSError as error:
        raise BadInput(
            f"{path}: cannot write the {what} ({error.strerror or type(error).__name__}); "
            "choose a path in a directory you can write to"
        ) from None


def _mode_for(path: Path) -> int:
    """Keep an existing file's mode; new files get the usual 0666 less the umask."""
    if path.exists():
        return path.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def read_input(path: Path, *, what: str) -> bytes:
    """A file the user named; a missing or unreadable one is bad input that says which."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise BadInput(f"{path}: cannot read the {what} ({error.strerror})") from None
