"""One module per verb; each exposes a plain function returning an exit code (pre-commit style)."""
