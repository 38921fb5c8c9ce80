"""What a policy set names that the organization must have: checked against an inventory.

A name that matches nothing changes nothing, silently: an excluded group that protects nobody, a
RestorePolicy that never fires, a policy whose site and product no group grants ("0 seats"), an
access grant into a group that does not exist. Each is a `Problem` at the file and line that
names it. `accessctl plan` refuses them (exit 2): a protection that does not resolve must stop
the plan it was meant to limit. `accessctl validate --inventory` reports them as warnings, since
the snapshot may be older than the policies. Pure.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from controller.core.errors import Problem
from controller.core.policy.models import (
    AccessGrants,
    Exclusions,
    InactivityPolicy,
    Organization,
    RestorePolicy,
)
from controller.core.policy.policy_set import LoadedPolicies
from controller.core.policy.yaml_source import SourceDocument, line_of
from controller.core.snapshot import Group, Inventory


def check_references(loaded: LoadedPolicies, inventory: Inventory) -> list[Problem]:
    """Every name in the policies the inventory does not have, in file order."""
    groups = {g.name: g for g in inventory.groups}
    problems: list[Problem] = []
    for model, source in loaded.documents:
        found = _Findings(source)
        _check(model, inventory=inventory, groups=groups, found=found)
        problems += found.problems
    return sorted(problems)


class _Findings:
    """The problems found in one document, each at the line of the key path it names."""

    def __init__(self, source: SourceDocument) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def add(self, path: tuple[str | int, ...], message: str) -> None:
        shown = ".".join(str(p) for p in path)
        line = line_of(self.source.node, path)
        self.problems.append(Problem(self.source.file, line, shown, message))


def _check(
    model: BaseModel, *, inventory: Inventory, groups: dict[str, Group], found: _Findings
) -> None:
    if isinstance(model, Organization):
        _same_organization(model, inventory, found=found)
    elif isinstance(model, InactivityPolicy):
        _seat_granted(model, inventory, found=found)
        _removable_groups(model, groups, found=found)
        for path, name in _named(("exclude", "groups"), model.exclude.groups):
            _known_group(name, groups, path=path, found=found, protects=True)
    elif isinstance(model, Exclusions):
        for index, entry in enumerate(model.entries):
            if entry.group is not None:
                path = ("entries", index, "group")
                _known_group(entry.group, groups, path=path, found=found, protects=True)
    elif isinstance(model, RestorePolicy):
        for path, name in _named(("eligible_groups",), model.eligible_groups):
            _known_group(name, groups, path=path, found=found, protects=False)
    elif isinstance(model, AccessGrants):
        _grantable_groups(model, groups, found=found)


def _named(
    path: tuple[str | int, ...], names: tuple[str, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    for index, name in enumerate(names):
        yield (*path, index), name


def _same_organization(model: Organization, inventory: Inventory, *, found: _Findings) -> None:
    if inventory.org_id != model.org_id:
        found.add(
            ("org_id",),
            f"the inventory is a snapshot of organization {inventory.org_id!r}, not of this "
            "one; plan from a snapshot of this organization (`accessctl inventory --out FILE`)",
        )


def _seat_granted(policy: InactivityPolicy, inventory: Inventory, *, found: _Findings) -> None:
    if inventory.granting_groups(policy.site, policy.product):
        return
    here = sorted(
        {g.product for group in inventory.groups for g in group.grants if g.site == policy.site}
    )
    granted = f"groups there grant {', '.join(here)}" if here else "no group grants anything there"
    found.add(
        ("product",),
        f"no group in the inventory grants {policy.product} on {policy.site} ({granted}), so "
        "this policy can revoke nothing; check `site` and `product`",
    )


def _removable_groups(
    policy: InactivityPolicy, groups: dict[str, Group], *, found: _Findings
) -> None:
    for path, name in _named(("groups",), policy.groups or ()):
        group = groups.get(name)
        if group is None:
            found.add(path, f"no group named {name!r} in the inventory; it removes nobody")
        elif not group.grants_seat(policy.site, policy.product):
            found.add(
                path,
                f"group {name!r} does not grant {policy.product} on {policy.site}; removing "
                "people from it frees no seat",
            )


def _known_group(
    name: str,
    groups: dict[str, Group],
    *,
    path: tuple[str | int, ...],
    found: _Findings,
    protects: bool,
) -> None:
    if name in groups:
        return
    effect = "so it protects nobody" if protects else "so it matches nobody"
    found.add(path, f"no group named {name!r} in the inventory, {effect}; check the name")


def _grantable_groups(model: AccessGrants, groups: dict[str, Group], *, found: _Findings) -> None:
    for index, grant in enumerate(model.grants):
        for path, name in _named(("grants", index, "groups"), grant.groups or ()):
            group = groups.get(name)
            if group is None:
                found.add(path, f"no group named {name!r} in the inventory; nothing to add to")
            elif group.managed_by == "idp":
                found.add(
                    path,
                    f"group {name!r} is synced from your identity provider (SCIM): Atlassian "
                    "refuses to add members to it; grant the access in the identity provider, "
                    "or name a group accessctl may change",
                )
