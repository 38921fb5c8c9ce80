"""PURE core: policies, inventory snapshot, reconcile, safety, plan, preview, ledger, state records.

No HTTP, git, mail, servers, clock or environment here (an import-linter contract enforces it):
every function takes what it decides on as arguments, `now` included, so the same inputs always
give the same plan. The adapters below `controller.adapters` feed it; `controller.app` runs it.
"""
