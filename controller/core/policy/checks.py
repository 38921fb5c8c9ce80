"""Meaning across policy documents: what a schema alone cannot say.

Pure: takes validated documents (with their source nodes for line numbers) and `today`, returns
errors and warnings. Called by the loader; tested through the policy corpus
(tests/policy_corpus/sets/, run by tests/unit/test_validate_corpus.py).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel

from controller.core.errors import Problem
from controller.core.policy.models import (
    AccessGrants,
    Exclusions,
    GitHubIdentities,
    InactivityPolicy,
    Organization,
)
from controller.core.policy.yaml_source import SourceDocument, line_of
from controller.core.snapshot import PRODUCT_NAMES

Documents = list[tuple[BaseModel, SourceDocument]]


def check_policy_set(
    documents: Documents, *, today: date, complete: bool = True
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for a set of individually valid documents. `complete`: no document
    was left out for its own errors (else the Organization may be the one left out, and its
    own error says so)."""
    errors = list(_one_organization(documents, complete=complete))
    organizations = [m for m, _ in documents if isinstance(m, Organization)]
    if len(organizations) == 1:
        sites = {s.name for s in organizations[0].sites}
        errors += _known_sites(documents, sites)
        errors += _grant_sites(documents, multi_site=len(sites) > 1)
    errors += _known_products(documents)
    errors += _unique_names(documents)
    errors += _duplicate_exclusions(documents)
    errors += _duplicate_logins(documents)
    errors += _overlapping_policies(documents)
    return errors, list(_expired_entries(documents, today))


def _at(
    source: SourceDocument, path: tuple[str | int, ...], *, message: str, key: bool = False
) -> Problem:
    shown = ".".join(str(p) for p in path)
    return Problem(source.file, line_of(source.node, path, key=key), shown, message)


def _one_organization(documents: Documents, *, complete: bool) -> Iterator[Problem]:
    found = [s for m, s in documents if isinstance(m, Organization)]
    if not found and documents and complete:
        first = documents[0][1]
        yield Problem(
            first.file, 1, "", "no `kind: Organization` document in the policy set; add exactly one"
        )
    for extra in found[1:]:
        first = found[0]
        yield _at(
            extra,
            ("kind",),
            message=f"a second Organization (the first is at {first.file}:{first.start_line}); "
            "keep exactly one",
        )


def _known_sites(documents: Documents, sites: set[str]) -> Iterator[Problem]:
    known = ", ".join(sorted(sites))
    for model, source in documents:
        if isinstance(model, InactivityPolicy) and model.site not in sites:
            yield _at(
                source,
                ("site",),
                message=f"unknown site {model.site!r}; the Organization lists {known}",
            )
        if isinstance(model, AccessGrants):
            for index, grant in enumerate(model.grants):
                if grant.site is not None and grant.site not in sites:
                    yield _at(
                        source,
                        ("grants", index, "site"),
                        message=f"unknown site {grant.site!r}; the Organization lists {known}",
                    )


def _known_products(documents: Documents) -> Iterator[Problem]:
    """A product key Atlassian does not have matches no group: the policy would plan nothing."""
    for model, source in documents:
        for path, key in _product_keys(model):
            if key not in PRODUCT_NAMES:
                yield _at(source, path, message=unknown_product(key), key=path[-1] == key)


def _product_keys(model: BaseModel) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(model, InactivityPolicy):
        yield ("product",), model.product
    elif isinstance(model, AccessGrants):
        for index, grant in enumerate(model.grants):
            if grant.product is not None:
                yield ("grants", index, "product"), grant.product
    elif isinstance(model, Organization) and model.pricing is not None:
        for key in model.pricing.monthly_per_seat:
            yield ("pricing", "monthly_per_seat", key), key


def unknown_product(key: str) -> str:
    known = sorted(PRODUCT_NAMES)
    guesses = [k for k in known if k.startswith(key)] or sorted(
        difflib.get_close_matches(key, known, n=3, cutoff=0.6)
    )
    hint = f" (did you mean {_one_of(guesses)}?)" if guesses else ""
    return f"unknown product key {key!r}{hint}; known keys: {', '.join(known)}"


def _one_of(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _grant_sites(documents: Documents, *, multi_site: bool) -> Iterator[Problem]:
    if not multi_site:
        return
    for model, source in documents:
        if isinstance(model, AccessGrants):
            for index, grant in enumerate(model.grants):
                if grant.site is None:
                    yield _at(
                        source,
                        ("grants", index),
                        message="the Organization has several sites; say which with `site`",
                    )


def _unique_names(documents: Documents) -> Iterator[Problem]:
    seen: dict[tuple[str, str], SourceDocument] = {}
    for model, source in documents:
        name = getattr(model, "name", None)
        if name is None:
            continue
        kind = str(getattr(model, "kind", ""))
        first = seen.setdefault((kind, name), source)
        if first is not source:
            where = f"{first.file}:{line_of(first.node, ('name',))}"
            yield _at(
                source,
                ("name",),
                message=f"duplicate {kind} name {name!r} (first defined at {where})",
            )


def _duplicate_exclusions(documents: Documents) -> Iterator[Problem]:
    # Keyed by entry, not by file:line: flow-style entries share one line.
    seen: dict[str, tuple[SourceDocument, int]] = {}
    for model, source in documents:
        if not isinstance(model, Exclusions):
            continue
        for index, entry in enumerate(model.entries):
            subject = ("account:" if entry.account else "group:") + entry.subject.lower()
            first_source, first_index = seen.setdefault(subject, (source, index))
            if first_source is not source or first_index != index:
                first = (
                    f"{first_source.file}:{line_of(first_source.node, ('entries', first_index))}"
                )
                yield _at(
                    source,
                    ("entries", index),
                    message=f"{entry.subject!r} is already excluded at {first}; keep one entry",
                )


def _duplicate_logins(documents: Documents) -> Iterator[Problem]:
    """A GitHub login is one person: naming it twice (even for the same account) is a mistake
    to fix, not a choice to guess at. Logins are compared as GitHub does, ignoring case."""
    seen: dict[str, tuple[SourceDocument, int]] = {}
    for model, source in documents:
        if not isinstance(model, GitHubIdentities):
            continue
        for index, identity in enumerate(model.identities):
            first_source, first_index = seen.setdefault(identity.github.lower(), (source, index))
            if first_source is not source or first_index != index:
                path = ("identities", first_index)
                first = f"{first_source.file}:{line_of(first_source.node, path)}"
                yield _at(
                    source,
                    ("identities", index, "github"),
                    message=f"GitHub login {identity.github!r} is already mapped at {first}; "
                    "keep one entry per login",
                )


def _overlapping_policies(documents: Documents) -> Iterator[Problem]:
    """Two policies on one product of one site must manage disjoint, explicit groups."""
    seen: dict[tuple[str, str], list[tuple[InactivityPolicy, SourceDocument]]] = {}
    for model, source in documents:
        if isinstance(model, InactivityPolicy):
            earlier = seen.setdefault((model.site, model.product), [])
            for other, other_source in earlier:
                if _overlap(model, other):
                    where = f"{other_source.file}:{other_source.start_line}"
                    yield _at(
                        source,
                        ("product",),
                        message=f"policy {other.name!r} ({where}) also manages {model.product} on "
                        f"{model.site}; give both disjoint `groups`, or merge them",
                    )
            earlier.append((model, source))


def _overlap(a: InactivityPolicy, b: InactivityPolicy) -> bool:
    if a.groups is None or b.groups is None:
        return True
    return bool(set(a.groups) & set(b.groups))


def _expired_entries(documents: Documents, today: date) -> Iterator[Problem]:
    for model, source in documents:
        entries: Any = ()
        label = ""
        if isinstance(model, Exclusions):
            entries, label = model.entries, "entries"
        elif isinstance(model, AccessGrants):
            entries, label = model.grants, "grants"
        for index, entry in enumerate(entries):
            if entry.expires is not None and entry.expires < today:
                subject = getattr(entry, "subject", None) or entry.account
                what = "exclusion" if label == "entries" else "grant"
                yield _at(
                    source,
                    (label, index, "expires"),
                    message=f"{what} for {subject!r} expired on {entry.expires.isoformat()} "
                    "and no longer applies; remove it or extend `expires`",
                )
