"""HTTP layer of the GitHub simulator: routes, auth, rate-limit headers, pagination, errors.

`create_app` builds a Starlette app for ONE repository backed by a bare git repository; serve it
with `controller.sim.server.running(app)`. Requests are parsed here and handed to the core
(repo_state.py) in a worker thread, because git plumbing blocks; the core's `ApiError`s become
GitHub's error bodies (`{"message", "documentation_url"[, "errors"]}`) with GitHub's statuses.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from controller.sim.github import payloads
from controller.sim.github.accounts import (
    ACTIONS_TOKEN,
    Actor,
    default_tokens,
    person,
    person_token,
)
from controller.sim.github.bare_repo import BareRepository
from controller.sim.github.branch_protection import ClassicProtection
from controller.sim.github.git_http import GitEndpoint
from controller.sim.github.issue_tracker import STATE_REASONS, IssueChange, IssueFilter
from controller.sim.github.repo_settings import (
    STATUS_STATES,
    ActionsSettings,
    RepositorySettings,
)
from controller.sim.github.repo_state import (
    ApiError,
    PullFilter,
    SimulatedRepository,
    not_found,
    validation_failed,
)
from controller.sim.github.workflow_runs import CONCLUSIONS

DOCS_URL = "https://docs.github.com/rest"
DEFAULT_TOKEN = ACTIONS_TOKEN
NOT_BY_INTEGRATION = "Resource not accessible by integration"
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


@dataclass
class Reply:
    """What an endpoint answers; the guard adds rate-limit headers and serializes it."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Endpoint = Callable[[Request], Awaitable[Reply]]


class RateLimit:
    """GitHub's primary rate limit: a budget per hour window, reported on every response."""

    def __init__(self, *, limit: int, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self._clock = clock
        self._lock = threading.Lock()
        self._used = 0
        self._reset = int(clock()) + 3600

    def spend(self) -> tuple[bool, dict[str, str]]:
        """Count one request: (allowed, headers to send)."""
        with self._lock:
            if self._clock() >= self._reset:
                self._used, self._reset = 0, int(self._clock()) + 3600
            allowed = self._used < self.limit
            self._used += int(allowed)
            return allowed, self._headers()

    def _headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.limit - self._used),
            "x-ratelimit-reset": str(self._reset),
            "x-ratelimit-used": str(self._used),
            "x-ratelimit-resource": "core",
        }


def error_reply(error: ApiError) -> Reply:
    body: dict[str, Any] = {"message": error.message, "documentation_url": DOCS_URL}
    if error.errors is not None:
        body["errors"] = error.errors
    return Reply(body, status=error.status)


class GitHubApi:
    """The endpoints; each returns a `Reply` or raises `ApiError`."""

    def __init__(
        self, *, repo: SimulatedRepository, tokens: dict[str, Actor], rate_limit: RateLimit
    ) -> None:
        self.repo = repo
        self.tokens = tokens
        self._rate_limit = rate_limit

    def guarded(self, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        """Auth, repository lookup, rate limit, error mapping: what every API route shares."""

        async def handle(request: Request) -> Response:
            allowed, headers = self._rate_limit.spend()
            try:
                request.state.actor = self._authorize(request, allowed=allowed)
                reply = await endpoint(request)
            except ApiError as error:
                reply = error_reply(error)
            return _json_response(reply, extra_headers=headers)

        return handle

    def _authorize(self, request: Request, *, allowed: bool) -> Actor:
        actor = self.caller(request.headers.get("authorization", ""))
        if not allowed:
            raise ApiError(403, f"API rate limit exceeded for user ID {actor.id}.")
        owner, name = request.path_params.get("owner"), request.path_params.get("repo")
        if owner is not None and not self.repo.matches(owner, name or ""):
            raise not_found()
        return actor

    def caller(self, authorization: str) -> Actor:
        """The account a token belongs to: `Bearer`/`token` TOKEN, or Basic with the token as
        password (git over HTTPS sends `x-access-token:TOKEN`); 401 otherwise."""
        scheme, _, credentials = authorization.partition(" ")
        if not credentials:
            raise ApiError(401, "Requires authentication")
        token = _basic_password(credentials) if scheme.lower() == "basic" else credentials.strip()
        if scheme.lower() not in {"bearer", "token", "basic"} or token not in self.tokens:
            raise ApiError(401, "Bad credentials")
        return self.tokens[token]

    def _urls(self, request: Request) -> payloads.Urls:
        return payloads.Urls(base=str(request.base_url).rstrip("/"), repo=self.repo)

    # --- repository, refs, contents ----------------------------------------------------------

    async def get_repository(self, request: Request) -> Reply:
        urls, caller = self._urls(request), request.state.actor
        return Reply(await run_in_threadpool(lambda: payloads.repository(urls, caller=caller)))

    async def get_ref(self, request: Request) -> Reply:
        ref, sha = await run_in_threadpool(self.repo.branch_ref, request.path_params["ref"])
        return Reply(payloads.git_ref(ref, sha, self._urls(request)))

    async def matching_refs(self, request: Request) -> Reply:
        refs = await run_in_threadpool(self.repo.matching_refs, request.path_params["ref"])
        urls = self._urls(request)
        return Reply([payloads.git_ref(ref, sha, urls) for ref, sha in refs])

    async def create_ref(self, request: Request) -> Reply:
        data = await _json_object(request)
        ref, sha = await run_in_threadpool(
            lambda: self.repo.create_ref(
                _text(data, "ref") or "", _text(data, "sha") or "", actor=request.state.actor
            )
        )
        return Reply(payloads.git_ref(ref, sha, self._urls(request)), status=201)

    async def update_ref(self, request: Request) -> Reply:
        data = await _json_object(request)
        ref, sha = await run_in_threadpool(
            lambda: self.repo.update_ref(
                request.path_params["ref"],
                sha=_text(data, "sha") or "",
                force=bool(data.get("force", False)),
                actor=request.state.actor,
            )
        )
        return Reply(payloads.git_ref(ref, sha, self._urls(request)))

    async def delete_ref(self, request: Request) -> Reply:
        ref, actor = request.path_params["ref"], request.state.actor
        await run_in_threadpool(lambda: self.repo.delete_ref(ref, actor=actor))
        return Reply(None, status=204)

    async def get_contents(self, request: Request) -> Reply:
        path = request.path_params["path"]
        ref = request.query_params.get("ref")
        found = await run_in_threadpool(lambda: self.repo.contents(path, ref=ref))
        shown_ref = ref or self.repo.git.default_branch()
        return Reply(payloads.contents(found, ref=shown_ref, urls=self._urls(request)))

    # --- pull requests -----------------------------------------------------------------------

    async def list_pulls(self, request: Request) -> Reply:
        params = request.query_params
        query = PullFilter(
            state=params.get("state", "open"), head=params.get("head"), base=params.get("base")
        )
        views = await run_in_threadpool(self.repo.list_pulls, query)
        urls = self._urls(request)
        return paginate(request, [payloads.pull_simple(view, urls) for view in views])

    async def create_pull(self, request: Request) -> Reply:
        data = await _json_object(request)
        view = await run_in_threadpool(
            lambda: self.repo.create_pull(
                actor=request.state.actor,
                title=_text(data, "title"),
                head=_text(data, "head"),
                base=_text(data, "base"),
                body=_text(data, "body"),
                draft=bool(data.get("draft", False)),
            )
        )
        return Reply(payloads.pull(view, self._urls(request)), status=201)

    async def get_pull(self, request: Request) -> Reply:
        view = await run_in_threadpool(self.repo.get_pull, request.path_params["number"])
        return Reply(payloads.pull(view, self._urls(request)))

    async def update_pull(self, request: Request) -> Reply:
        data = await _json_object(request)
        view = await run_in_threadpool(
            lambda: self.repo.update_pull(
                request.path_params["number"],
                title=_text(data, "title"),
                body=_text(data, "body"),
                state=_text(data, "state"),
                base=_text(data, "base"),
                actor=request.state.actor,
            )
        )
        return Reply(payloads.pull(view, self._urls(request)))

    async def check_merged(self, request: Request) -> Reply:
        merged = await run_in_threadpool(self.repo.is_merged, request.path_params["number"])
        if not merged:
            raise not_found()
        return Reply(None, status=204)

    async def merge_pull(self, request: Request) -> Reply:
        data = await _json_object(request, empty_ok=True)
        outcome = await run_in_threadpool(
            lambda: self.repo.merge_pull(
                request.path_params["number"],
                actor=request.state.actor,
                commit_title=_text(data, "commit_title"),
                commit_message=_text(data, "commit_message"),
                expected_head_sha=_text(data, "sha"),
                method=_text(data, "merge_method") or "merge",
            )
        )
        return Reply(payloads.merge_result(outcome.sha, outcome.message))

    async def pulls_of_commit(self, request: Request) -> Reply:
        views = await run_in_threadpool(self.repo.pulls_of_commit, request.path_params["sha"])
        urls = self._urls(request)
        return paginate(request, [payloads.pull_simple(view, urls) for view in views])

    # --- issues ------------------------------------------------------------------------------

    async def list_issues(self, request: Request) -> Reply:
        params = request.query_params
        labels = tuple(name.strip() for name in params.get("labels", "").split(",") if name.strip())
        query = IssueFilter(
            state=params.get("state", "open"), labels=labels, creator=params.get("creator")
        )
        found = await run_in_threadpool(self.repo.list_issues, query)
        urls = self._urls(request)
        return paginate(request, [payloads.issue(item, urls) for item in found])

    async def create_issue(self, request: Request) -> Reply:
        data = await _json_object(request)
        view = await run_in_threadpool(
            lambda: self.repo.create_issue(
                actor=request.state.actor,
                title=_text(data, "title"),
                body=_text(data, "body"),
                labels=tuple(_label_names(data)) if "labels" in data else (),
            )
        )
        return Reply(payloads.issue(view, self._urls(request)), status=201)

    async def get_issue(self, request: Request) -> Reply:
        item = await run_in_threadpool(self.repo.get_issue, request.path_params["number"])
        return Reply(payloads.issue(item, self._urls(request)))

    async def update_issue(self, request: Request) -> Reply:
        data = await _json_object(request)
        change = _issue_change(data)
        item = await run_in_threadpool(
            lambda: self.repo.update_issue(
                request.path_params["number"], actor=request.state.actor, change=change
            )
        )
        return Reply(payloads.issue(item, self._urls(request)))

    # --- issue comments and labels -----------------------------------------------------------

    async def list_comments(self, request: Request) -> Reply:
        comments = await run_in_threadpool(
            self.repo.tracker.list_comments, request.path_params["number"]
        )
        urls = self._urls(request)
        return paginate(request, [payloads.comment(item, urls) for item in comments])

    async def create_comment(self, request: Request) -> Reply:
        data = await _json_object(request)
        number = request.path_params["number"]
        item = await run_in_threadpool(
            lambda: self.repo.tracker.create_comment(
                number, actor=request.state.actor, body=_text(data, "body")
            )
        )
        return Reply(payloads.comment(item, self._urls(request)), status=201)

    async def get_comment(self, request: Request) -> Reply:
        item = await run_in_threadpool(
            self.repo.tracker.get_comment, request.path_params["comment_id"]
        )
        return Reply(payloads.comment(item, self._urls(request)))

    async def update_comment(self, request: Request) -> Reply:
        data = await _json_object(request)
        comment_id = request.path_params["comment_id"]
        item = await run_in_threadpool(
            lambda: self.repo.tracker.update_comment(comment_id, body=_text(data, "body"))
        )
        return Reply(payloads.comment(item, self._urls(request)))

    async def list_labels(self, request: Request) -> Reply:
        labels = await run_in_threadpool(self.repo.tracker.list_labels)
        urls = self._urls(request)
        return paginate(request, [payloads.label(item, urls) for item in labels])

    async def create_label(self, request: Request) -> Reply:
        data = await _json_object(request)
        item = await run_in_threadpool(
            lambda: self.repo.tracker.create_label(
                name=_text(data, "name"),
                color=_text(data, "color"),
                description=_text(data, "description"),
            )
        )
        return Reply(payloads.label(item, self._urls(request)), status=201)

    async def issue_labels(self, request: Request) -> Reply:
        labels = await run_in_threadpool(
            self.repo.tracker.issue_labels, request.path_params["number"]
        )
        urls = self._urls(request)
        return paginate(request, [payloads.label(item, urls) for item in labels])

    async def add_labels(self, request: Request) -> Reply:
        names = _label_names(await _json_body(request))
        number = request.path_params["number"]
        labels = await run_in_threadpool(self.repo.tracker.add_labels, number, names)
        urls = self._urls(request)
        return Reply([payloads.label(item, urls) for item in labels])

    # --- reviews -----------------------------------------------------------------------------

    async def list_reviews(self, request: Request) -> Reply:
        reviews = await run_in_threadpool(self.repo.list_reviews, request.path_params["number"])
        urls = self._urls(request)
        return paginate(request, [payloads.review(item, urls) for item in reviews])

    async def create_review(self, request: Request) -> Reply:
        data = await _json_object(request, empty_ok=True)
        item = await run_in_threadpool(
            lambda: self.repo.create_review(
                request.path_params["number"],
                actor=request.state.actor,
                event=_text(data, "event"),
                body=_text(data, "body"),
            )
        )
        return Reply(payloads.review(item, self._urls(request)))

    # --- the authenticated account and the repository's settings -----------------------------

    async def get_user(self, request: Request) -> Reply:
        actor: Actor = request.state.actor
        if actor.is_integration:
            raise ApiError(403, NOT_BY_INTEGRATION)
        return Reply(payloads.authenticated_user(actor, self._urls(request)))

    async def get_workflow_permissions(self, request: Request) -> Reply:
        _require_admin(request.state.actor, reading=True)
        actions = self.repo.settings.actions
        return Reply(
            payloads.workflow_permissions(
                default=actions.default_workflow_permissions,
                can_approve=actions.can_approve_pull_request_reviews,
            )
        )

    async def set_workflow_permissions(self, request: Request) -> Reply:
        _require_admin(request.state.actor, reading=False)
        self.repo.settings.set_actions(_actions_settings(await _json_object(request)))
        return Reply(None, status=204)

    async def get_protection(self, request: Request) -> Reply:
        _require_admin(request.state.actor, reading=True)
        branch = self._existing_branch(request)
        protection = self.repo.settings.protections.get(branch)
        if protection is None:
            raise ApiError(404, "Branch not protected")
        return Reply(payloads.branch_protection(branch, protection, self._urls(request)))

    async def set_protection(self, request: Request) -> Reply:
        _require_admin(request.state.actor, reading=False)
        branch = self._existing_branch(request)
        protection = _protection(await _json_object(request))
        self.repo.settings.protect(branch, protection)
        return Reply(payloads.branch_protection(branch, protection, self._urls(request)))

    async def delete_protection(self, request: Request) -> Reply:
        _require_admin(request.state.actor, reading=False)
        if not self.repo.settings.unprotect(self._existing_branch(request)):
            raise ApiError(404, "Branch not protected")
        return Reply(None, status=204)

    async def branch_rules(self, request: Request) -> Reply:
        rulesets = self.repo.settings.rules_for(request.path_params["branch"])
        return paginate(request, payloads.branch_rules(rulesets, self._urls(request)))

    async def get_ruleset(self, request: Request) -> Reply:
        found = self.repo.settings.ruleset(request.path_params["ruleset_id"])
        if found is None:
            raise not_found()
        actor: Actor = request.state.actor
        return Reply(payloads.ruleset(found, actor=actor, urls=self._urls(request)))

    def _existing_branch(self, request: Request) -> str:
        branch: str = request.path_params["branch"]
        if self.repo.git.branch_sha(branch) is None:
            raise ApiError(404, "Branch not found")
        return branch

    # --- introspection and control for tests and demos (not part of GitHub's API) -----------

    async def sim_pulls(self, request: Request) -> Response:
        views = await run_in_threadpool(self.repo.list_pulls, PullFilter(state="all"))
        urls = self._urls(request)
        return JSONResponse([payloads.pull(view, urls) for view in views])

    async def sim_status(self, request: Request) -> Response:
        """What a CI system reports for a commit: `{"context": ..., "state": ...}`."""
        try:
            data = await _json_object(request)
            context, state = _text(data, "context"), _text(data, "state")
            if not context or state not in STATUS_STATES:
                raise ApiError(422, f"context and a state of {sorted(STATUS_STATES)} are needed")
        except ApiError as error:
            return JSONResponse(error_reply(error).body, status_code=error.status)
        self.repo.settings.report_status(request.path_params["sha"], context=context, state=state)
        return Response(status_code=204)

    async def sim_workflow_runs(self, request: Request) -> Response:
        """The workflow runs the repository's events started, oldest first."""
        return JSONResponse([run.as_json() for run in self.repo.settings.runs.runs()])

    async def sim_complete_runs(self, request: Request) -> Response:
        """What the runners would do: `{"conclusion": "success", "head_sha"?: ...}` finishes
        the runs in progress (at that commit) and answers the runs it finished."""
        try:
            data = await _json_object(request)
            conclusion, sha = _text(data, "conclusion"), _text(data, "head_sha")
            if conclusion not in CONCLUSIONS:
                raise ApiError(422, f"conclusion must be one of {sorted(CONCLUSIONS)}")
        except ApiError as error:
            return JSONResponse(error_reply(error).body, status_code=error.status)
        done = self.repo.settings.runs.complete(conclusion=conclusion, sha=sha)
        return JSONResponse([run.as_json() for run in done])

    async def sim_person(self, request: Request) -> Response:
        """A person with a GitHub login and a token: `{"login", "writes"?, "association"?}`."""
        try:
            data = await _json_object(request)
            login = _text(data, "login") or ""
            actor = person(
                login,
                number=6_000_000 + len(self.tokens),
                writes=data.get("writes") is True,
                association=data.get("association", "MEMBER"),
            )
        except (ApiError, ValueError) as error:
            return JSONResponse({"message": str(error)}, status_code=422)
        token = person_token(login)
        self.tokens[token] = actor
        return JSONResponse({"login": actor.login, "id": actor.id, "token": token}, 201)

    async def sim_issue_form(self, request: Request) -> Response:
        """A person follows a link to the issue form, types `answers`, presses Submit:
        `{"url": link, "answers": {...}}` with the person's token; the issue as the API shows
        it. Not GitHub's API: github.com does this in the browser."""
        try:
            actor = self.caller(request.headers.get("authorization", ""))
            data = await _json_object(request)
            query = self._form_query(_text(data, "url") or "")
            answers = _answers(data.get("answers"))
            view = await run_in_threadpool(
                lambda: self.repo.submit_issue_form(actor=actor, query=query, answers=answers)
            )
        except ApiError as error:
            return JSONResponse(error_reply(error).body, status_code=error.status)
        return JSONResponse(payloads.issue(view, self._urls(request)), status_code=201)

    def _form_query(self, url: str) -> dict[str, str]:
        """The query of a link to this repository's `issues/new`; 404 for any other link."""
        parts = urlsplit(url)
        owner, _, rest = parts.path.strip("/").partition("/")
        name, _, page = rest.partition("/")
        if page != "issues/new" or not self.repo.matches(owner, name):
            raise not_found()
        return dict(parse_qsl(parts.query))


def _basic_password(credentials: str) -> str:
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[2]


def _require_admin(actor: Actor, *, reading: bool) -> None:
    """Settings need admin rights; an app reads them with the Administration permission."""
    if actor.admin or (reading and actor.reads_administration):
        return
    if actor.is_integration:
        raise ApiError(403, NOT_BY_INTEGRATION)
    raise ApiError(403, "Must have admin rights to Repository.")


def _actions_settings(data: dict[str, Any]) -> ActionsSettings:
    default = data.get("default_workflow_permissions", "read")
    can_approve = data.get("can_approve_pull_request_reviews", False)
    if default not in {"read", "write"} or not isinstance(can_approve, bool):
        raise ApiError(422, "Invalid request.\n\nInvalid workflow permissions.")
    return ActionsSettings(
        default_workflow_permissions=default, can_approve_pull_request_reviews=can_approve
    )


def _protection(data: dict[str, Any]) -> ClassicProtection:
    """The body of `PUT .../protection`; its four top-level keys are required, as on GitHub."""
    required = ("required_status_checks", "enforce_admins", "required_pull_request_reviews")
    missing = [key for key in (*required, "restrictions") if key not in data]
    if missing:
        raise ApiError(422, f"Invalid request.\n\n{', '.join(missing)} wasn't supplied.")
    checks = data["required_status_checks"] or {}
    reviews = data["required_pull_request_reviews"]
    restrictions = data["restrictions"]
    return ClassicProtection(
        required_checks=tuple(_names(checks.get("contexts"))),
        strict=bool(checks.get("strict", False)),
        require_pull_request=reviews is not None,
        required_approvals=int((reviews or {}).get("required_approving_review_count", 0)),
        enforce_admins=bool(data["enforce_admins"]),
        pull_request_bypass=_people((reviews or {}).get("bypass_pull_request_allowances")),
        push_allowed=None if restrictions is None else _people(restrictions),
        allow_force_pushes=bool(data.get("allow_force_pushes") or False),
        allow_deletions=bool(data.get("allow_deletions") or False),
    )


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(422, "Invalid request.\n\nExpected a list of names.")
    return value


def _people(allowances: Any) -> frozenset[str]:
    """Users by login and apps by slug, as GitHub's allowance lists name them."""
    if not allowances:
        return frozenset()
    users = _names(allowances.get("users"))
    apps = [f"{slug}[bot]" for slug in _names(allowances.get("apps"))]
    return frozenset(users + apps)


def paginate(request: Request, items: list[Any]) -> Reply:
    """One page of `items` with GitHub's `Link` header (`page`, `per_page`, max 100)."""
    per_page = min(max(_int_param(request, "per_page", DEFAULT_PER_PAGE), 1), MAX_PER_PAGE)
    page = max(_int_param(request, "page", 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    links = _page_links(request, page=page, last=last)
    headers = {"link": links} if links else {}
    return Reply(items[(page - 1) * per_page : page * per_page], headers=headers)


def _page_links(request: Request, *, page: int, last: int) -> str:
    def link(number: int, rel: str) -> str:
        query = urlencode({**request.query_params, "page": str(number)})
        return f'<{request.url.replace(query=query)}>; rel="{rel}"'

    rels = []
    if page < last:
        rels += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        rels += [link(1, "first"), link(page - 1, "prev")]
    return ", ".join(rels)


def _int_param(request: Request, name: str, default: int) -> int:
    try:
        return int(request.query_params.get(name, default))
    except ValueError:
        return default


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        raise ApiError(400, "Problems parsing JSON") from None


async def _json_object(request: Request, *, empty_ok: bool = False) -> dict[str, Any]:
    data = await _json_body(request)
    if data is None and empty_ok:
        return {}
    if not isinstance(data, dict):
        raise ApiError(400, "Problems parsing JSON")
    return data


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(422, f"Invalid request.\n\nFor '{key}', {value!r} is not a string.")
    return value


def _issue_change(data: dict[str, Any]) -> IssueChange:
    reason = _text(data, "state_reason")
    if reason is not None and reason not in STATE_REASONS:
        raise validation_failed("Issue", "invalid", field="state_reason")
    return IssueChange(
        title=_text(data, "title"),
        body=_text(data, "body"),
        state=_text(data, "state"),
        state_reason=reason,
        labels=tuple(_label_names(data)) if "labels" in data else None,
    )


def _answers(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ApiError(422, "answers must map field ids to text")
    return {str(key): text for key, text in value.items()}


def _label_names(data: Any) -> list[str]:
    # GitHub accepts {"labels": [...]}, a bare list, and {"labels": [{"name": ...}]}.
    raw = data.get("labels") if isinstance(data, dict) else data
    if not isinstance(raw, list):
        raise ApiError(422, "Invalid request.\n\nFor 'labels', a list is required.")
    names = [item.get("name") if isinstance(item, dict) else item for item in raw]
    texts = [name for name in names if isinstance(name, str) and name]
    if len(texts) != len(names):
        raise ApiError(422, "Invalid request.\n\nEvery label must be a non-empty string.")
    return texts


def _json_response(reply: Reply, *, extra_headers: dict[str, str]) -> Response:
    headers = {**extra_headers, **reply.headers}
    if reply.status == 204:
        return Response(status_code=204, headers=headers)
    return JSONResponse(reply.body, status_code=reply.status, headers=headers)


async def _not_found(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    message = "Not Found" if status == 404 else "Method Not Allowed"
    return JSONResponse({"message": message, "documentation_url": DOCS_URL}, status_code=status)


def _routes(api: GitHubApi, git: GitEndpoint) -> list[Route]:
    repo = "/repos/{owner}/{repo}"
    table: list[tuple[str, Endpoint, str]] = [
        ("", api.get_repository, "GET"),
        ("/git/ref/{ref:path}", api.get_ref, "GET"),
        ("/git/matching-refs/{ref:path}", api.matching_refs, "GET"),
        ("/git/refs", api.create_ref, "POST"),
        ("/git/refs/{ref:path}", api.update_ref, "PATCH"),
        ("/git/refs/{ref:path}", api.delete_ref, "DELETE"),
        ("/contents/{path:path}", api.get_contents, "GET"),
        ("/pulls", api.list_pulls, "GET"),
        ("/pulls", api.create_pull, "POST"),
        ("/pulls/{number:int}", api.get_pull, "GET"),
        ("/pulls/{number:int}", api.update_pull, "PATCH"),
        ("/pulls/{number:int}/merge", api.check_merged, "GET"),
        ("/pulls/{number:int}/merge", api.merge_pull, "PUT"),
        ("/commits/{sha}/pulls", api.pulls_of_commit, "GET"),
        ("/issues", api.list_issues, "GET"),
        ("/issues", api.create_issue, "POST"),
        ("/issues/comments/{comment_id:int}", api.get_comment, "GET"),
        ("/issues/comments/{comment_id:int}", api.update_comment, "PATCH"),
        ("/issues/{number:int}", api.get_issue, "GET"),
        ("/issues/{number:int}", api.update_issue, "PATCH"),
        ("/issues/{number:int}/comments", api.list_comments, "GET"),
        ("/issues/{number:int}/comments", api.create_comment, "POST"),
        ("/issues/{number:int}/labels", api.issue_labels, "GET"),
        ("/issues/{number:int}/labels", api.add_labels, "POST"),
        ("/labels", api.list_labels, "GET"),
        ("/labels", api.create_label, "POST"),
        ("/pulls/{number:int}/reviews", api.list_reviews, "GET"),
        ("/pulls/{number:int}/reviews", api.create_review, "POST"),
        ("/actions/permissions/workflow", api.get_workflow_permissions, "GET"),
        ("/actions/permissions/workflow", api.set_workflow_permissions, "PUT"),
        ("/branches/{branch:path}/protection", api.get_protection, "GET"),
        ("/branches/{branch:path}/protection", api.set_protection, "PUT"),
        ("/branches/{branch:path}/protection", api.delete_protection, "DELETE"),
        ("/rules/branches/{branch:path}", api.branch_rules, "GET"),
        ("/rulesets/{ruleset_id:int}", api.get_ruleset, "GET"),
    ]
    routes = [Route(repo + path, api.guarded(fn), methods=[m]) for path, fn, m in table]
    return [
        *routes,
        Route("/user", api.guarded(api.get_user), methods=["GET"]),
        Route("/__sim/pulls", api.sim_pulls, methods=["GET"]),
        Route("/__sim/statuses/{sha}", api.sim_status, methods=["POST"]),
        Route("/__sim/people", api.sim_person, methods=["POST"]),
        Route("/__sim/issue-forms", api.sim_issue_form, methods=["POST"]),
        Route("/__sim/pre-receive", git.pre_receive, methods=["POST"]),
        Route("/__sim/post-receive", git.post_receive, methods=["POST"]),
        Route("/__sim/workflow-runs", api.sim_workflow_runs, methods=["GET"]),
        Route("/__sim/workflow-runs/complete", api.sim_complete_runs, methods=["POST"]),
        Route("/{owner}/{name}.git/{service:path}", git.serve, methods=["GET", "POST"]),
    ]


def create_app(
    *,
    repository: str,
    git_dir: Path,
    token: str = DEFAULT_TOKEN,
    rate_limit: int = 5000,
    settings: RepositorySettings | None = None,
) -> Starlette:
    """A GitHub REST API for `repository` ("owner/name") whose git data is the bare `git_dir`.

    `token` is the Actions token (`github-actions[bot]`); an app's and an admin's tokens are
    accepted too (controller.sim.github.accounts). `settings` default to a new repository's."""
    if repository.count("/") != 1 or not all(repository.split("/")):
        raise ValueError(f"repository must look like OWNER/NAME, not {repository!r}")
    repo = SimulatedRepository(full_name=repository, git=BareRepository(git_dir), settings=settings)
    tokens = default_tokens(token)
    api = GitHubApi(repo=repo, tokens=tokens, rate_limit=RateLimit(limit=rate_limit))
    git = GitEndpoint(
        git_dir=git_dir,
        settings=repo.settings,
        caller=api.caller,
        accounts={actor.login: actor for actor in tokens.values()},
        matches=repo.matches,
        pushed=repo.pushed,
    )
    app = Starlette(
        routes=_routes(api, git),
        exception_handlers={404: _not_found, 405: _not_found},
        lifespan=_closing(repo.git),
    )
    app.state.github = repo
    return app


def _closing(bare: BareRepository) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """The app's lifespan: once the server stops, the git processes that read the bare
    repository stop with it."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            bare.close()

    return lifespan
