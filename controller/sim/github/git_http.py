"""git over HTTP for the GitHub simulator: clone, fetch and push with a token, as on github.com.

Sits beside the REST routes (app.py) and serves `{base}/{owner}/{repo}.git` through git's own
`git http-backend` (CGI), with the same tokens: `actions/checkout` sends
`Authorization: Basic base64(x-access-token:TOKEN)`, and so may a test's clone. A push passes
GitHub's branch protection and rulesets: the bare repository's `pre-receive` hook (installed
by `install_push_check`) posts the ref updates and the pusher back to the simulator, which
answers with GitHub's verdict and messages (`remote: error: GH006: ...`, `GH013: ...`); a
refusal leaves the branch where it was, as `[remote rejected]`. Once the refs have moved, the
`post-receive` hook tells the simulator who pushed what, which may start workflow runs
(workflow_events.py), as a push does on GitHub.

A push to the bare repository's path on disk (how tests arrange a repository) is the server's
own hand: it carries no pusher, and the hook lets it through.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from controller.sim.github.accounts import Actor
from controller.sim.github.branch_protection import RefUpdate
from controller.sim.github.repo_settings import RepositorySettings
from controller.sim.github.repo_state import ApiError

BACKEND_TIMEOUT_SECONDS = 120
HOOK_ENV_URL = "ACCESSCTL_SIM_PUSH_CHECK_URL"
HOOK_ENV_SECRET = "ACCESSCTL_SIM_PUSH_CHECK_SECRET"
HOOK_ENV_PUSHER = "ACCESSCTL_SIM_PUSHER"
_SERVICES = ("/info/refs", "/git-upload-pack", "/git-receive-pack")

# The hook only relays: it reads the updates git hands it, tells whether each is a
# fast-forward (only the hook sees the pushed objects, still in quarantine), and prints the
# simulator's verdict where git shows it to the pusher.
_HOOK = '''#!{python}
"""pre-receive hook of the accessctl GitHub simulator (controller/sim/github/git_http.py)."""
import json, os, subprocess, sys, urllib.request

url = os.environ.get("{url}")
if not url:
    sys.exit(0)
zero = "0" * 40
updates = []
for line in sys.stdin:
    old, new, ref = line.split()
    forward = old == zero or new == zero or subprocess.run(
        ["git", "merge-base", "--is-ancestor", old, new], check=False
    ).returncode == 0
    updates.append({{"ref": ref, "old": old, "new": new, "fast_forward": forward}})
body = {{
    "secret": os.environ["{secret}"], "pusher": os.environ["{pusher}"], "updates": updates
}}
request = urllib.request.Request(
    url, data=json.dumps(body).encode(), headers={{"Content-Type": "application/json"}}
)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
with opener.open(request, timeout=30) as answer:
    verdict = json.load(answer)
for line in verdict["lines"]:
    print(line, file=sys.stderr)
sys.exit(0 if verdict["allowed"] else 1)
'''


# After the refs moved: tell the simulator, whose answer has nothing to show.
_POST_HOOK = '''#!{python}
"""post-receive hook of the accessctl GitHub simulator (controller/sim/github/git_http.py)."""
import json, os, sys, urllib.request

url = os.environ.get("{url}")
if not url:
    sys.exit(0)
updates = [dict(zip(("old", "new", "ref"), line.split())) for line in sys.stdin]
body = {{
    "secret": os.environ["{secret}"], "pusher": os.environ["{pusher}"], "updates": updates
}}
request = urllib.request.Request(
    url.replace("/pre-receive", "/post-receive"),
    data=json.dumps(body).encode(),
    headers={{"Content-Type": "application/json"}},
)
opener = urllib.request.build_opener(urllib.request.ProxyHandler({{}}))
opener.open(request, timeout=30).close()
'''


def install_push_check(git_dir: Path) -> None:
    """Write the bare repository's pre-receive and post-receive hooks (idempotent)."""
    for name, template in (("pre-receive", _HOOK), ("post-receive", _POST_HOOK)):
        hook = git_dir / "hooks" / name
        hook.parent.mkdir(exist_ok=True)
        hook.write_text(
            template.format(
                python=sys.executable,
                url=HOOK_ENV_URL,
                secret=HOOK_ENV_SECRET,
                pusher=HOOK_ENV_PUSHER,
            ),
            encoding="utf-8",
        )
        hook.chmod(0o755)


@dataclass
class GitEndpoint:
    """The smart-HTTP git routes of one simulated repository and its pre-receive callback."""

    git_dir: Path
    settings: RepositorySettings
    caller: Callable[[str], Actor]
    accounts: dict[str, Actor]
    matches: Callable[[str, str], bool]
    pushed: Callable[..., None]  # SimulatedRepository.pushed
    secret: str = ""

    def __post_init__(self) -> None:
        self.secret = secrets.token_hex(16)
        install_push_check(self.git_dir)

    async def serve(self, request: Request) -> Response:
        owner, name = request.path_params["owner"], request.path_params["name"]
        service = "/" + request.path_params["service"]
        if not self.matches(owner, name) or service not in _SERVICES:
            return Response("Repository not found.\n", status_code=404)
        try:
            actor = self.caller(request.headers.get("authorization", ""))
        except ApiError:
            return Response(
                "Authentication required\n",
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="GitHub"'},
            )
        body = await request.body()
        environment = self._cgi_environment(request, service=service, actor=actor, body=body)
        output = await run_in_threadpool(_run_backend, environment, body)
        return _cgi_response(output)

    def _cgi_environment(
        self, request: Request, *, service: str, actor: Actor, body: bytes
    ) -> dict[str, str]:
        callback = str(request.base_url).rstrip("/") + "/__sim/pre-receive"
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.git_dir.parent),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.git_dir),
            "PATH_INFO": f"/{self.git_dir.name}{service}",
            "REQUEST_METHOD": request.method,
            "QUERY_STRING": request.url.query,
            "CONTENT_TYPE": request.headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": actor.login,
            "REMOTE_ADDR": "127.0.0.1",
            HOOK_ENV_URL: callback,
            HOOK_ENV_SECRET: self.secret,
            HOOK_ENV_PUSHER: actor.login,
        }
        if "content-encoding" in request.headers:
            environment["HTTP_CONTENT_ENCODING"] = request.headers["content-encoding"]
        if "git-protocol" in request.headers:
            environment["GIT_PROTOCOL"] = request.headers["git-protocol"]
        return environment

    async def pre_receive(self, request: Request) -> Response:
        """The hook's question: may this pusher make these updates? GitHub's verdict."""
        data = await request.json()
        if data.get("secret") != self.secret or data.get("pusher") not in self.accounts:
            return JSONResponse({"allowed": False, "lines": ["error: unknown pusher"]})
        actor = self.accounts[data["pusher"]]
        lines: list[str] = []
        for item in data["updates"]:
            update = RefUpdate(item["ref"], item["old"], item["new"], item["fast_forward"])
            refusal = self.settings.push_refusal(update, actor=actor)
            if refusal is not None:
                lines += refusal.push_lines()
        return JSONResponse({"allowed": not lines, "lines": lines})

    async def post_receive(self, request: Request) -> Response:
        """The refs a known pusher moved: the events of the push."""
        data = await request.json()
        if data.get("secret") != self.secret or data.get("pusher") not in self.accounts:
            return Response(status_code=403)
        actor = self.accounts[data["pusher"]]
        for item in data["updates"]:
            moved = partial(self.pushed, ref=item["ref"], before=item["old"], after=item["new"])
            await run_in_threadpool(moved, actor=actor)
        return Response(status_code=204)


def _run_backend(environment: dict[str, str], body: bytes) -> bytes:
    done = subprocess.run(
        ["git", "http-backend"],
        input=body,
        env=environment,
        capture_output=True,
        timeout=BACKEND_TIMEOUT_SECONDS,
        check=False,
    )
    return done.stdout


def _cgi_response(output: bytes) -> Response:
    """A CGI answer (headers, blank line, body) as an HTTP response."""
    ends = [(output.find(mark), len(mark)) for mark in (b"\r\n\r\n", b"\n\n")]
    found = [(at, size) for at, size in ends if at >= 0]
    if not found:
        return Response("git http-backend failed\n", status_code=500)
    at, size = min(found)
    head, body = output[:at], output[at + size :]
    status, headers = 200, {}
    for line in head.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.split()[0])
        elif key:
            headers[key.strip()] = value.strip()
    return Response(body, status_code=status, headers=headers)
