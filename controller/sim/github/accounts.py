"""Who is calling the GitHub simulator: each token belongs to one account of one kind.

Sits below the simulator's HTTP layer (controller/sim/github/app.py), which resolves the
`Authorization` header (API) or the Basic credentials (git over HTTP) to an `Actor`; the
repository core (repo_state.py) and the protection rules (branch_protection.py) decide by the
actor's kind what GitHub would allow. Three kinds matter on day one:

- `actions`: the `GITHUB_TOKEN` of a workflow run, acting as `github-actions[bot]`. GitHub's
  repository setting "Allow GitHub Actions to create and approve pull requests" governs it, and
  events it causes start no workflow (so required checks never run for its pull requests).
- `app`: a GitHub App installation token (`actions/create-github-app-token`), acting as
  `<slug>[bot]`; it may appear in a ruleset's bypass list or in a protection's allowances.
- `user`: a person's token; `admin` people may change settings and, unless the protection
  enforces admins, push past it. People who only read the repository (`writes=False`, as most
  members of an organization are to its policy repository) may still open issues and comment,
  and GitHub silently drops the labels they ask for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from controller.sim.github.bare_repo import Signature

TokenKind = Literal["actions", "app", "user"]
# How GitHub relates an issue's or comment's author to the repository (`author_association`).
Association = Literal["OWNER", "MEMBER", "COLLABORATOR", "CONTRIBUTOR", "NONE"]
# GitHub logins: letters, digits and single hyphens, not at either end, at most 39 characters.
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")


@dataclass(frozen=True)
class Actor:
    """An account and the kind of token it called with."""

    login: str
    id: int
    via: TokenKind
    name: str | None = None
    admin: bool = False
    # GitHub Apps: the app's id (a ruleset bypass actor of type "Integration" names it) and
    # whether the installation was granted the Administration permission (read settings).
    app_id: int | None = None
    reads_administration: bool = False
    writes: bool = True  # push access to the repository (bots and admins have it)
    association: Association | None = None

    @property
    def author_association(self) -> Association:
        if self.association is not None:
            return self.association
        return "NONE" if self.is_integration else "MEMBER"

    @property
    def kind(self) -> Literal["User", "Bot"]:
        return "User" if self.via == "user" else "Bot"

    @property
    def is_integration(self) -> bool:
        return self.via != "user"

    @property
    def signature(self) -> Signature:
        return Signature(
            name=self.name or self.login, email=f"{self.id}+{self.login}@users.noreply.github.com"
        )


ACTIONS_BOT = Actor(login="github-actions[bot]", id=41898282, via="actions")
APP_BOT = Actor(login="accessctl-app[bot]", id=190000001, via="app", app_id=1000001)
ADMIN = Actor(login="octo-admin", id=5000001, via="user", name="Octo Admin", admin=True)

ACTIONS_TOKEN = "sim-github-token"
APP_TOKEN = "sim-app-token"
ADMIN_TOKEN = "sim-admin-token"


def person(
    login: str, *, number: int, writes: bool = False, association: Association = "MEMBER"
) -> Actor:
    """A person with a GitHub login, who reads the repository (or writes, with `writes`)."""
    if not LOGIN.match(login):
        raise ValueError(f"{login!r} is not a GitHub login")
    return Actor(login=login, id=number, via="user", writes=writes, association=association)


def person_token(login: str) -> str:
    return f"sim-person-token-{login.lower()}"


def default_tokens(actions_token: str = ACTIONS_TOKEN) -> dict[str, Actor]:
    """The Actions token (the one `accessctl sim github` prints), an app's and an admin's."""
    return {actions_token: ACTIONS_BOT, APP_TOKEN: APP_BOT, ADMIN_TOKEN: ADMIN}
