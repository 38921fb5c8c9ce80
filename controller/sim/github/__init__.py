"""A real-HTTP simulator of the GitHub REST API for one repository backed by a bare git repo.

Serves the demo and the integration tests of `controller.adapters.github` and
`controller.adapters.git_workspace`: workspace clones push to the bare repository as `origin`, and
the API (refs, contents, pulls, reviews, issues, comments, labels, merges, the pull requests of a
commit, branch protection, rules, the Actions workflow permissions, `/user`) answers with GitHub's
documented shapes and status codes, and refuses what GitHub refuses for the token's kind, the
caller's access and the repository's settings. Besides GitHub's API, `/__sim/people` gives people
logins and tokens, `/__sim/issue-forms` submits an issue form from a link as github.com's web
page would, and `/__sim/workflow-runs` lists (and `.../complete` finishes) the workflow runs the
repository's events started, which GitHub never starts for the Actions token's events.
"""

from controller.sim.github.accounts import ADMIN_TOKEN, APP_TOKEN
from controller.sim.github.app import DEFAULT_TOKEN, create_app
from controller.sim.github.bare_repo import init_bare_repository
from controller.sim.github.branch_protection import ClassicProtection, Ruleset
from controller.sim.github.repo_settings import ActionsSettings, RepositorySettings

__all__ = [
    "ADMIN_TOKEN",
    "APP_TOKEN",
    "DEFAULT_TOKEN",
    "ActionsSettings",
    "ClassicProtection",
    "RepositorySettings",
    "Ruleset",
    "create_app",
    "init_bare_repository",
]
