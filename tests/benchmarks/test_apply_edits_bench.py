"""Benchmark: many random edits of a sealed plan file, none escaping (run with `make bench`).

The property of tests/unit/test_apply_properties.py over 2,000 generated scenarios (1 to 4
edits each, by an editor with and without the plan key, on fresh data as planned or with one
person active since): apply never writes an account, group or kind absent from the fresh
recomputation of the unedited plan, and never audits a value the fresh data did not have.
Prints how many edits were generated, of which kinds, and how many escaped (the bound: 0).
"""

from __future__ import annotations

import time
from collections import Counter

from hypothesis import HealthCheck, given, settings

from tests.plan_edits import SCENARIOS, Edit, check

EXAMPLES = 2_000


def test_thousands_of_edits_none_escapes() -> None:
    tally: Counter[str] = Counter()
    kinds: Counter[str] = Counter()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(SCENARIOS)
    def one(scenario: tuple[list[Edit], bool, str | None]) -> None:
        edits, holds_key, active_since = scenario
        escaped = check(edits, holds_key=holds_key, active_since=active_since)
        tally["scenarios"] += 1
        tally["edits"] += len(edits)
        tally["by a key holder"] += len(edits) * holds_key
        tally["escaped"] += len(escaped)
        kinds.update(e.name for e in edits)
        assert escaped == [], [e.name for e in edits]

    started = time.perf_counter()
    one()
    seconds = time.perf_counter() - started
    print(
        f"\n{tally['edits']:,} edits in {tally['scenarios']:,} scenarios "
        f"({tally['by a key holder']:,} by a key holder) in {seconds:.1f} s; "
        f"{tally['escaped']} escaped (bound: 0)"
    )
    for kind, count in sorted(kinds.items()):
        print(f"  {kind:<40} {count:>6,}")
