"""A real-HTTP simulator of the GitHub REST API for one repository backed by a bare git repo.

Serves the demo and the integration tests of `controller.adapters.github` and
`controller.adapters.git_workspace`: workspace clones push to the bare repository as `origin`, and
the API (refs, contents, pulls, issue comments, labels, merges) answers with GitHub's documented
shapes and status codes.
"""

from controller.sim.github.app import DEFAULT_TOKEN, create_app
from controller.sim.github.bare_repo import init_bare_repository

__all__ = ["DEFAULT_TOKEN", "create_app", "init_bare_repository"]
