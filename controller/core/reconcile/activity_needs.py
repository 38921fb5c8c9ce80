"""PURE: whose activity can change a decision the policies make, and on which seats.

The reader of the organization (`controller.adapters.atlassian.reading`) gets each account's
activity from the directory search; where the search shows none for a seat the account holds,
only a per-account `last-active-dates` request tells "never used it" from "the search left it
out". Asking for every such seat holder costs one request per account, most of them for seats no
policy looks at. `activity_needs` says which seats' activity the rules of this package read, so
the reader asks only where the answer can change a plan:

- `inactivity`: activity on the (site, product) an InactivityPolicy governs, for whoever holds
  it (idleness, warnings cleared by activity, `max_seats` ranking, the evidence of each action);
- `restore`: activity anywhere after a recorded removal, for accounts the ledger has a removal
  of (whether they are in an eligible group is decided on the fresh inventory);
- `grants`: a grant's evidence is the account's latest activity anywhere, for the accounts an
  unexpired AccessGrants entry names;
- `clear_stale_warnings`: the warned seat's activity, for accounts the ledger has a warning of
  (the warned product may be one no policy governs any more).

The accounts of the last three are named by the ledger or the policies, so they are few; their
activity is read on every seat they hold. Any rule that starts reading activity elsewhere must
say so here: the round-trip test (a read through the simulator plans exactly as the seed does)
fails otherwise.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import date

from controller.core.ledger import Ledger
from controller.core.policy.policy_set import PolicySet

Seat = tuple[str, str]  # (site, product)


@dataclass(frozen=True)
class ActivityNeeds:
    """The seats whose activity must be exact: governed ones for everyone, every held one for
    the accounts named in `anywhere` (account ids and e-mail addresses, lower-case)."""

    governed: frozenset[Seat] = frozenset()
    anywhere: frozenset[str] = frozenset()
    every_seat: bool = False

    def seats_that_decide(self, held: Set[Seat], *, refs: Set[str]) -> Set[Seat]:
        """Of the seats an account holds, those whose activity can change a decision; `refs`
        are the account's id and e-mail address, lower-case."""
        if self.every_seat or not self.anywhere.isdisjoint(refs):
            return held
        return held & self.governed


# Every held seat of every account: a read that must answer any question, not only a plan's.
EVERY_SEAT = ActivityNeeds(every_seat=True)


def activity_needs(policies: PolicySet, ledger: Ledger, *, today: date) -> ActivityNeeds:
    """What a plan made from these policies and this ledger on `today` reads of activity."""
    named = {warning.account_id for warning in ledger.warnings}
    if policies.restore:
        named |= {removal.account_id for removal in ledger.removals}
    named |= {
        entry.account
        for document in policies.grants
        for entry in document.grants
        if entry.active_on(today)
    }
    return ActivityNeeds(
        governed=frozenset((policy.site, policy.product) for policy in policies.inactivity),
        anywhere=frozenset(ref.lower() for ref in named),
    )
