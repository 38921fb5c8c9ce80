"""GitHub's error answers, as the simulator's cores raise them: status, message, `errors[]`.

Below the repository core (repo_state.py) and the issue tracker (issue_tracker.py); the HTTP
layer (app.py) turns an `ApiError` into GitHub's body (`{"message", "documentation_url"[,
"errors"]}`) with its status.
"""

from __future__ import annotations

# GitHub's limit for issue, pull request and comment bodies.
MAX_BODY_CHARS = 65_536


class ApiError(Exception):
    """A GitHub error response: status, message and the optional `errors` list."""

    def __init__(
        self, status: int, message: str, *, errors: list[dict[str, str]] | list[str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def validation_failed(resource: str, code: str, **details: str) -> ApiError:
    return ApiError(
        422, "Validation Failed", errors=[{"resource": resource, "code": code, **details}]
    )


def check_body(body: str | None, *, resource: str) -> None:
    if body is not None and len(body) > MAX_BODY_CHARS:
        message = f"body is too long (maximum is {MAX_BODY_CHARS} characters)"
        raise validation_failed(resource, "custom", field="body", message=message)


def required_body(body: str | None, *, resource: str = "IssueComment") -> str:
    if not body:
        raise validation_failed(resource, "missing_field", field="body")
    check_body(body, resource=resource)
    return body
