"""`AtlassianDirectory`: the `Directory` port (core/directory_port.py) over the Admin API v2.

Group changes use the v2 membership endpoints, not Jira's `group/user`: they need only the
organization key apply already holds (Jira's needs a site-admin *user* token), they are the
documented successor of the v1 endpoints that stop working in 2026, and groups are
directory-wide, so no site has to be picked for an org-level change. Every change names the
real directory (`directory: auto` is looked up once): `-` is documented for reads only.

Each group change is one write, sent as the reviewed plan says: apply has just read every
account it changes (the re-check), so reading each again first would double the requests at the
rate limit. Suspend and restore read the account first: they answer 200 whether or not anything
changed, and `already` must mean that nothing did. The writes *set* a state, so a second
delivery is harmless. When Atlassian refuses one (409 "already a member", 404 "not a member",
or a retried write whose first response was lost), the account is read again: if it is as
wanted, the result is `already`; if not, the refusal stands with Atlassian's reason (a group
synced from an identity provider, a product's user limit reached), which apply reports for that
action. `done` means Atlassian accepted the write.

Safe to call from several threads at once (apply runs its writes side by side): the directory
keeps no state between calls but the directory ID, and the client it shares is thread-safe and
keeps every thread within one `max_in_flight` and one pace per rate limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

from controller.adapters.atlassian.client import AtlassianClient, QueryValue
from controller.adapters.atlassian.pagination import JsonObject
from controller.adapters.atlassian.reading import OrganizationReader
from controller.adapters.http_boundary.errors import (
    NotFound,
    Rejected,
    ServiceError,
    UnexpectedResponse,
)
from controller.adapters.http_boundary.retrying import Idempotency
from controller.core.directory_port import ChangeResult
from controller.core.policy.models import Organization
from controller.core.reconcile.activity_needs import EVERY_SEAT, ActivityNeeds
from controller.core.snapshot import Inventory

Check = Callable[[JsonObject], bool]


class AtlassianDirectory:
    """Reads and changes accounts of one organization; every operation is idempotent."""

    def __init__(
        self,
        client: AtlassianClient,
        organization: Organization,
        *,
        needs: ActivityNeeds = EVERY_SEAT,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.client = client
        self.reader = OrganizationReader(client, organization, needs=needs)
        self._clock = clock

    def fetch_accounts(self, account_ids: Iterable[str]) -> Inventory:
        return self.reader.inventory_of(account_ids, taken_at=self._clock())

    def count_active_members(self, group_ids: Sequence[str]) -> int:
        """`GET .../users/count` filtered by `groupIds` and `status: active` (one call)."""
        if not group_ids:
            return 0
        params: dict[str, QueryValue] = {"groupIds": sorted(group_ids), "status": ["active"]}
        call = self.client.admin_call(
            "GET", f"{self.reader.directory_path}/users/count", params=params
        )
        body = self.client.json(call)
        count = body.get("count") if isinstance(body, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise UnexpectedResponse(f"{call.label}: expected a count of users")
        return count

    def remove_from_group(self, *, account_id: str, group_id: str) -> ChangeResult:
        def not_member(user: JsonObject) -> bool:
            return group_id not in _group_ids(user)

        path = f"groups/{group_id}/memberships/{account_id}"
        return self._change(
            account_id,
            wanted=not_member,
            method="DELETE",
            path=path,
            already="not a member",
            missing_account_is_wanted=True,
        )

    def add_to_group(self, *, account_id: str, group_id: str) -> ChangeResult:
        def member(user: JsonObject) -> bool:
            return group_id in _group_ids(user)

        return self._change(
            account_id,
            wanted=member,
            method="POST",
            path=f"groups/{group_id}/memberships",
            body={"accountId": account_id},
            already="already a member",
        )

    def suspend(self, *, account_id: str) -> ChangeResult:
        return self._set_status(
            account_id,
            wanted=lambda user: user.get("status") == "suspended",
            action="suspend",
            already="already suspended",
        )

    def restore(self, *, account_id: str) -> ChangeResult:
        return self._set_status(
            account_id,
            wanted=lambda user: user.get("status") != "suspended",
            action="restore",
            already="not suspended",
        )

    def _set_status(
        self, account_id: str, *, wanted: Check, action: str, already: str
    ) -> ChangeResult:
        """Suspend and restore answer 200 whether or not they changed anything, so the account
        is read first: `already` must mean that nothing changed."""
        user = self._user(account_id)
        if user is None:
            raise NotFound(f"account {account_id} is not in the organization's directory")
        if wanted(user):
            return ChangeResult("already", already)
        return self._change(
            account_id,
            wanted=wanted,
            method="POST",
            path=f"users/{account_id}/{action}",
            body={},
            already=already,
        )

    def _change(
        self,
        account_id: str,
        *,
        wanted: Check,
        method: str,
        path: str,
        already: str,
        body: JsonObject | None = None,
        missing_account_is_wanted: bool = False,
    ) -> ChangeResult:
        """Write; when Atlassian refuses, read the account: already as wanted, or the refusal."""
        call = self.client.admin_call(
            method,
            f"{self.reader.directory_path}/{path}",
            body=body,
            idempotency=Idempotency.IDEMPOTENT_WRITE,
        )
        try:
            self.client.send(call)
        except (Rejected, NotFound) as refused:
            return self._confirmed(
                account_id,
                wanted=wanted,
                refused=refused,
                already=already,
                missing_account_is_wanted=missing_account_is_wanted,
            )
        return ChangeResult("done")

    def _confirmed(
        self,
        account_id: str,
        *,
        wanted: Check,
        refused: ServiceError,
        already: str,
        missing_account_is_wanted: bool,
    ) -> ChangeResult:
        user = self._user(account_id)
        if user is None and missing_account_is_wanted:
            return ChangeResult("already", "the account is no longer in the directory")
        if user is None:
            raise NotFound(f"account {account_id} is not in the organization's directory")
        if not wanted(user):
            raise refused
        return ChangeResult("already", f"{already} (Atlassian said so; the account confirms it)")

    def _user(self, account_id: str) -> JsonObject | None:
        body = {"accountIds": [account_id], "expand": ["groups"]}
        call = self.client.admin_call(
            "POST", f"{self.reader.directory_path}/users/search", body=body
        )
        page = self.client.json(call)
        data = page.get("data") if isinstance(page, dict) else None
        return next(
            (u for u in data or () if isinstance(u, dict) and u.get("accountId") == account_id),
            None,
        )


def _group_ids(user: JsonObject) -> set[str]:
    return {str(g.get("id")) for g in user.get("groups") or () if isinstance(g, dict)}
