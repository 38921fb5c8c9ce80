"""Git for the workflows: branches, commits and pushes in the repository accessctl lives in.

Sits in the imperative shell beside `controller.adapters.github` (the GitHub API). The plan job
resets the standing plan branch from the default branch, commits the plan file and pushes it with
`--force-with-lease`; the apply job commits `state/` and pushes the default branch, rebasing and
retrying when another run pushed first. When the remote refuses that push (branch protection, a
ruleset), the commit is not lost: it is pushed to a branch of its own (`state_branch`) and
`StateParked` names that branch. Every git failure becomes a `RunFailure` that says what to do
next, with credentials scrubbed from anything git printed.

Commits are made with a pinned identity (environment or `accessctl <accessctl@users.noreply...>`)
passed to git through its environment, so the runner's or the user's git config never decides who
authored an audit record.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import git
from git.exc import GitCommandError, InvalidGitRepositoryError, NoSuchPathError

from controller.adapters.files import write_atomic
from controller.adapters.http_boundary.scrubbing import scrubbed_line
from controller.core.errors import RunFailure

PLAN_BRANCH = "accessctl/plan"
STATE_BRANCH_PREFIX = "accessctl/state/"
DEFAULT_REMOTE = "origin"
DEFAULT_PUSH_ATTEMPTS = 4
# Fetch and push talk to the network; a hung remote must not hang the scheduled job forever.
NETWORK_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class GitIdentity:
    """Author and committer of every commit accessctl makes."""

    name: str = "accessctl"
    email: str = "accessctl@users.noreply.github.com"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> GitIdentity:
        """ACCESSCTL_GIT_NAME / ACCESSCTL_GIT_EMAIL when set, else accessctl's own identity."""
        default = cls()
        return cls(
            name=environ.get("ACCESSCTL_GIT_NAME") or default.name,
            email=environ.get("ACCESSCTL_GIT_EMAIL") or default.email,
        )

    def environment(self) -> dict[str, str]:
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }


class GitFailure(RunFailure):
    """A git command failed (exit 1)."""


class PushRejected(GitFailure):
    """The remote refused a push: someone else moved the branch and retrying did not help."""


class StateParked(PushRejected):
    """The remote refused a state commit (branch protection, a ruleset); the commit was pushed
    to `branch` instead, so nothing is lost, and waits there to be merged into `refused`."""

    def __init__(self, message: str, *, branch: str, refused: str, sha: str | None) -> None:
        super().__init__(message)
        self.branch = branch
        self.refused = refused
        self.sha = sha


def state_branch(name: str) -> str:
    """Where a refused state commit is kept: `accessctl/state/<plan id or run>`."""
    return STATE_BRANCH_PREFIX + name


def _git_detail(error: GitCommandError) -> str:
    # GitPython wraps stderr as "\n  stderr: '...'"; git's own "fatal:"/"error:" line says most.
    text = str(error.stderr).strip().removeprefix("stderr: '").removesuffix("'")
    return _most_telling_line(text) or f"git exited with status {error.status}"


def _most_telling_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    verdicts = [line for line in lines if line.startswith(("fatal:", "error:"))]
    # Remote URLs can carry a token (`https://x-access-token:...@github.com/...`).
    return scrubbed_line((verdicts or lines or [""])[0])


def _failure(what: str, error: GitCommandError, *, then: str) -> GitFailure:
    return GitFailure(f"{what}: {_git_detail(error)}; {then}")


@dataclass(frozen=True)
class CommitInfo:
    """Who made a commit and when; `merge` when it has several parents (a merged pull request)."""

    sha: str
    author_name: str
    author_email: str
    authored_at: datetime
    merge: bool


_FIELD = "\x1f"
_COMMIT_LINE = "commit "


def _commits_with_added_paths(log: str) -> dict[str, CommitInfo]:
    """Parse `git log --name-only --format=commit ...`, newest first: the oldest commit wins."""
    added: dict[str, CommitInfo] = {}
    current: CommitInfo | None = None
    for line in log.splitlines():
        if line.startswith(_COMMIT_LINE):
            sha, name, email, at, parents = line.removeprefix(_COMMIT_LINE).split(_FIELD)
            when = datetime.fromisoformat(at)
            current = CommitInfo(sha, name, email, when, merge=len(parents.split()) > 1)
        elif line.strip() and current is not None:
            added[line.strip()] = current
    return added


class Workspace:
    """A clone of the policy repository, with `origin` (or another remote) to push to."""

    def __init__(
        self, repo: git.Repo, *, identity: GitIdentity, remote: str = DEFAULT_REMOTE
    ) -> None:
        self._repo = repo
        self.remote = remote
        self.identity = identity
        # Never prompt for credentials (a scheduled job has no one to answer), never open an
        # editor, and author every commit as the pinned identity.
        repo.git.update_environment(
            GIT_TERMINAL_PROMPT="0", GIT_EDITOR="true", **identity.environment()
        )

    @classmethod
    def open(
        cls, path: Path, *, identity: GitIdentity | None = None, remote: str = DEFAULT_REMOTE
    ) -> Workspace:
        try:
            repo = git.Repo(path, search_parent_directories=True)
        except (InvalidGitRepositoryError, NoSuchPathError):
            raise GitFailure(f"{path} is not inside a git repository; run from a clone") from None
        if repo.bare:
            raise GitFailure(f"{path} is a bare repository; run from a clone with a work tree")
        return cls(repo, identity=identity or GitIdentity.from_env(), remote=remote)

    @property
    def root(self) -> Path:
        return Path(str(self._repo.working_tree_dir))

    def head_commit(self) -> str:
        try:
            sha: str = self._repo.git.rev_parse("--verify", "--quiet", "HEAD^{commit}")
        except GitCommandError:
            raise GitFailure(f"{self.root} has no commits yet; commit something first") from None
        return sha.strip()

    def current_branch(self) -> str | None:
        """The checked-out branch, or None on a detached HEAD (as in CI checkouts of a sha)."""
        return None if self._repo.head.is_detached else self._repo.active_branch.name

    # --- reading -----------------------------------------------------------------------------

    def read_text_at(self, ref: str, path: str) -> str | None:
        """`git show REF:path` as text, or None when the file does not exist at that ref."""
        try:
            shown: str = self._repo.git.show(f"{ref}:{path}", strip_newline_in_stdout=False)
        except GitCommandError:
            return None
        return shown

    def commits_adding(self, directory: str, *, ref: str = "HEAD") -> dict[str, CommitInfo]:
        """For each file under `directory`, the commit of `ref`'s own line of history that
        added it, keyed by path relative to the work tree.

        Following first parents only, a file that came in through a merged pull request is
        credited to the merge commit, whose author is whoever merged it, not to the commits
        on the merged branch."""
        commit = self.resolve_commit(ref)
        try:
            log: str = self._repo.git.log(
                "--first-parent",
                "-m",  # diff merge commits against their first parent (older git needs it said)
                "--diff-filter=A",
                "--name-only",
                f"--format={_COMMIT_LINE}%H{_FIELD}%an{_FIELD}%ae{_FIELD}%aI{_FIELD}%P",
                commit,
                "--",
                directory,
            )
        except GitCommandError as error:
            raise _failure(
                f"cannot read the history of {directory}", error, then="fetch it"
            ) from None
        return _commits_with_added_paths(log)

    def resolve_commit(self, ref: str) -> str:
        """The commit `ref` names (a branch, `origin/main`, a sha), or a GitFailure saying so."""
        try:
            sha: str = self._repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
        except GitCommandError:
            raise GitFailure(
                f"{ref} is not a commit in {self.root}; fetch it first (in GitHub Actions, "
                "check out with fetch-depth: 0)"
            ) from None
        return sha.strip()

    def files_at(self, ref: str, directory: str) -> dict[str, str]:
        """Every file under `directory` (relative to the work tree) as it is at `ref`, as text,
        keyed by its path relative to `directory`; empty when the directory is not there."""
        commit = self.resolve_commit(ref)
        listed: str = self._repo.git.ls_tree("-r", "-z", "--name-only", commit, "--", directory)
        prefix = directory.rstrip("/") + "/"
        files: dict[str, str] = {}
        for path in filter(None, listed.split("\0")):
            text = self.read_text_at(commit, path)
            if text is not None:
                files[path.removeprefix(prefix)] = text
        return files

    def export_directory(self, ref: str, directory: str, *, into: Path) -> int:
        """Write `directory` as it is at `ref` under `into` (like `git archive`, for reading
        an older policy set side by side with the work tree); how many files were written."""
        files = self.files_at(ref, directory)
        for relative, text in files.items():
            write_atomic(into / relative, text.encode("utf-8"))
        return len(files)

    def relative_path(self, path: Path) -> str:
        """`path` (absolute or relative to the current directory) relative to the work tree."""
        root = self.root.resolve()
        resolved = path.resolve()
        if not resolved.is_relative_to(root):
            raise GitFailure(f"{path} is outside the work tree {root}; keep it in the repository")
        return resolved.relative_to(root).as_posix()

    def is_ancestor(self, commit: str, *, of: str) -> bool:
        """Whether `commit` is contained in the history of `of`."""
        try:
            self._repo.git.merge_base("--is-ancestor", commit, of)
        except GitCommandError as error:
            if error.status == 1:  # git's answer "no"; other statuses are real failures
                return False
            raise _failure(f"cannot compare {commit} with {of}", error, then="fetch both") from None
        return True

    def uncommitted_paths(self, paths: Sequence[str]) -> list[str]:
        """Paths under `paths` that differ from HEAD in the work tree or index, or are untracked."""
        status: str = self._repo.git.status(
            "--porcelain", "-z", "--untracked-files=all", "--", *paths
        )
        entries = [entry for entry in status.split("\0") if entry]
        return sorted({entry[3:] for entry in entries if len(entry) > 3 and entry[2] == " "})

    def changed_files(
        self, base: str, head: str = "HEAD", *, since_fork: bool = False
    ) -> list[str]:
        """Paths that differ between two refs; `since_fork` compares from their merge base,
        which is what a pull request shows."""
        revisions = f"{base}...{head}" if since_fork else f"{base}..{head}"
        try:
            names: str = self._repo.git.diff("--name-only", "--no-renames", revisions, "--")
        except GitCommandError as error:
            raise _failure(f"cannot compare {base} with {head}", error, then="fetch both") from None
        return sorted(name for name in names.splitlines() if name)

    def remote_branch_sha(self, branch: str) -> str | None:
        """Where the last fetch saw `branch` on the remote, or None if it was not there."""
        ref = f"refs/remotes/{self.remote}/{branch}"
        try:
            sha: str = self._repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")
        except GitCommandError:
            return None
        return sha.strip() or None

    # --- branches and commits ----------------------------------------------------------------

    def fetch(self, *branches: str) -> None:
        """Update remote-tracking refs (all branches when none are named); prune deleted ones.

        A named branch must exist on the remote; fetch all to learn whether it does."""
        refspecs = [f"+refs/heads/{b}:refs/remotes/{self.remote}/{b}" for b in branches]
        try:
            self._repo.git.fetch(
                "--prune", self.remote, *refspecs, kill_after_timeout=NETWORK_TIMEOUT_SECONDS
            )
        except GitCommandError as error:
            raise _failure(
                f"cannot fetch from {self.remote}", error, then="check the remote and credentials"
            ) from None

    def reset_branch(self, branch: str, *, base: str) -> str:
        """Check out `branch` at `base` (a sha or e.g. `origin/main`), creating or resetting it.

        Uncommitted changes are never thrown away: git refuses, and so does this."""
        try:
            self._repo.git.checkout("-B", branch, base, "--")
        except GitCommandError as error:
            raise _failure(
                f"cannot reset {branch} to {base}",
                error,
                then="fetch first, check the name, and commit or stash local changes",
            ) from None
        return self.head_commit()

    def write_files(self, files: Mapping[str, str | bytes]) -> list[str]:
        """Write files (paths relative to the work tree) atomically; the paths written."""
        for relative, content in files.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            write_atomic(self._inside(relative), data)
        return sorted(files)

    def _inside(self, relative: str) -> Path:
        root = self.root.resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(root) or path == root:
            raise GitFailure(f"{relative} is outside the work tree {root}; use a relative path")
        return path

    def commit_paths(self, paths: Sequence[str], *, message: str) -> str | None:
        """Stage `paths` (additions, changes, deletions) and commit them; the new sha, or None
        when they hold no change."""
        if not paths:
            return None
        try:
            self._repo.git.add("--all", "--", *paths)
            if not self._has_staged_changes(paths):
                return None
            self._repo.git.commit("--no-verify", "--message", message, "--", *paths)
        except GitCommandError as error:
            raise _failure(
                "cannot commit", error, then="check the paths and the work tree"
            ) from None
        return self.head_commit()

    def _has_staged_changes(self, paths: Sequence[str]) -> bool:
        try:
            self._repo.git.diff("--cached", "--quiet", "--", *paths)
        except GitCommandError as error:
            if error.status == 1:  # `--quiet` exits 1 exactly when there are differences
                return True
            raise
        return False

    def commit_files(self, files: Mapping[str, str | bytes], *, message: str) -> str | None:
        """Write, stage and commit `files`; the new sha, or None when nothing changed."""
        return self.commit_paths(self.write_files(files), message=message)

    # --- a second work tree ------------------------------------------------------------------

    @contextmanager
    def temporary_worktree(self, commit: str) -> Iterator[Workspace]:
        """A throw-away work tree of this repository at `commit` (detached), removed on exit.

        Branches made and commits pushed there are shared with this repository (one object
        store, one set of refs), while this work tree's checkout and uncommitted files stay
        exactly as they were."""
        with tempfile.TemporaryDirectory(prefix="accessctl-worktree-") as parent:
            path = Path(parent) / "tree"
            try:
                self._repo.git.worktree("add", "--detach", str(path), commit)
            except GitCommandError as error:
                raise _failure(
                    f"cannot make a work tree at {commit}", error, then="check the commit"
                ) from None
            try:
                yield Workspace.open(path, identity=self.identity, remote=self.remote)
            finally:
                self._repo.git.worktree("remove", "--force", str(path))

    # --- pushing -----------------------------------------------------------------------------

    def push_with_lease(self, branch: str, *, expected_sha: str | None) -> None:
        """Force-push `branch`, but only if the remote still has it at `expected_sha`
        (None: only if it does not exist there) — a plan branch someone else just rewrote is
        never clobbered."""
        lease = f"--force-with-lease=refs/heads/{branch}:{expected_sha or ''}"
        rejection = self._push(f"refs/heads/{branch}:refs/heads/{branch}", lease)
        if rejection is None:
            return
        if rejection.lease_broken:
            raise PushRejected(
                f"{self.remote} refused the push of {branch} ({rejection}): it changed since it "
                "was fetched; run again to plan from the new state"
            )
        raise self._refused(branch, rejection)

    def push_with_rebase(
        self, branch: str, *, attempts: int = DEFAULT_PUSH_ATTEMPTS, park_as: str | None = None
    ) -> str:
        """Push `branch`; when another run pushed first, rebase onto theirs and try again.

        Bounded: after `attempts` pushes that lost the race it gives up with a PushRejected.
        When the remote refuses the update itself (protection, rules) and `park_as` names a
        branch, the commit is pushed there and `StateParked` says so.
        Returns the sha the remote branch now has."""
        for attempt in range(1, attempts + 1):
            rejection = self._push(f"refs/heads/{branch}:refs/heads/{branch}")
            if rejection is None:
                return self.resolve_commit(branch)
            if rejection.by_remote and park_as is not None:
                raise self._park(branch, park_as=park_as, rejection=rejection)
            if not rejection.behind:
                raise self._refused(branch, rejection)
            if attempt < attempts:
                self.fetch(branch)
                self._rebase(branch, onto=f"{self.remote}/{branch}")
        raise PushRejected(
            f"{self.remote} kept refusing the push of {branch} after {attempts} attempts "
            f"({rejection}): other runs are pushing; run again later"
        )

    def _park(self, branch: str, *, park_as: str, rejection: Rejection) -> PushRejected:
        """Keep the refused commit on `park_as` at the remote; the error that says where."""
        sha = self.resolve_commit(branch)
        why = f"{self.remote} refused the push of {branch} ({rejection})"
        if self._push(f"{sha}:refs/heads/{park_as}") is not None:
            return PushRejected(
                f"{why}, and the push of {park_as} too: the commit {sha[:12]} is only in this "
                f"clone; push it to a branch yourself, then merge that into {branch}"
            )
        return StateParked(
            f"{why}; the commit {sha[:12]} is safe on branch {park_as}: open a pull request "
            f"from {park_as} into {branch} and merge it, or let accessctl's GitHub App bypass "
            "the rule (docs/github.md)",
            branch=park_as,
            refused=branch,
            sha=sha,
        )

    def refuse_if_parked(self, name: str, *, into: str) -> None:
        """StateParked when an earlier run parked `name`'s state on its branch: it is not
        merged into `into` yet, and acting again before it is would act twice."""
        parked = state_branch(name)
        if self.remote_branch_exists(parked):
            raise StateParked(
                f"{name} was applied before and its state commit waits on branch {parked}: "
                f"merge that branch into {into} (a pull request), then run again; applying "
                "now would act twice",
                branch=parked,
                refused=into,
                sha=None,
            )

    def parked_state_branches(self) -> list[str]:
        """The remote's `accessctl/state/*` branches now (asks it): state commits it refused,
        waiting to be merged."""
        try:
            listed = str(
                self._repo.git.ls_remote(
                    "--heads",
                    self.remote,
                    f"refs/heads/{STATE_BRANCH_PREFIX}*",
                    kill_after_timeout=NETWORK_TIMEOUT_SECONDS,
                )
            )
        except GitCommandError as error:
            raise _failure(
                f"cannot list the branches of {self.remote}",
                error,
                then="check the remote and credentials",
            ) from None
        names = (line.split("\t")[-1].removeprefix("refs/heads/") for line in listed.splitlines())
        return sorted(name for name in names if name.startswith(STATE_BRANCH_PREFIX))

    def remote_branch_exists(self, branch: str) -> bool:
        """Whether the remote has `branch` now (asks it; a fetch may be stale)."""
        try:
            self._repo.git.ls_remote(
                "--exit-code",
                "--heads",
                self.remote,
                f"refs/heads/{branch}",
                kill_after_timeout=NETWORK_TIMEOUT_SECONDS,
            )
        except GitCommandError as error:
            if error.status == 2:  # git's "no such ref"
                return False
            raise _failure(
                f"cannot list the branches of {self.remote}",
                error,
                then="check the remote and credentials",
            ) from None
        return True

    # --- refs of their own (the apply lock) -------------------------------------------------

    def remote_ref_sha(self, ref: str) -> str | None:
        """Where the remote has `ref` (a full name, e.g. `refs/accessctl/...`) now, asking it;
        None when it has no such ref."""
        try:
            listed = str(
                self._repo.git.ls_remote(
                    "--exit-code", self.remote, ref, kill_after_timeout=NETWORK_TIMEOUT_SECONDS
                )
            )
        except GitCommandError as error:
            if error.status == 2:  # git's "no such ref"
                return None
            raise _failure(
                f"cannot list {ref} on {self.remote}", error, then="check the remote"
            ) from None
        found = (line.split("\t") for line in listed.splitlines())
        return next((sha for sha, name in found if name == ref), None)

    def fetch_ref(self, ref: str) -> str:
        """Fetch the remote's `ref` into the local ref of the same name; its commit."""
        try:
            self._repo.git.fetch(
                "--no-tags",
                self.remote,
                f"+{ref}:{ref}",
                kill_after_timeout=NETWORK_TIMEOUT_SECONDS,
            )
        except GitCommandError as error:
            raise _failure(f"cannot fetch {ref}", error, then="check the remote") from None
        return self.resolve_commit(ref)

    def commit_record(self, files: Mapping[str, str], *, message: str) -> str:
        """A commit holding just `files`, on no branch and with no parent: a record of its own,
        to push to a ref of its own. The work tree and the index are not touched."""
        with tempfile.TemporaryDirectory(prefix="accessctl-record-") as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            for name, text in sorted(files.items()):
                source = Path(scratch) / "blob"
                source.write_text(text, encoding="utf-8")
                blob = self._repo.git.hash_object("-w", str(source))
                self._repo.git.update_index(
                    "--add", "--cacheinfo", f"100644,{blob},{name}", env=index
                )
            tree = self._repo.git.write_tree(env=index)
            sha: str = self._repo.git.commit_tree(tree, "-m", message)
        return sha.strip()

    def push_ref(self, ref: str, *, sha: str | None, expected: str | None) -> Rejection | None:
        """Set (or with `sha` None, delete) the remote's `ref`, only if it is at `expected`
        there now (None: only if it does not exist): a compare-and-swap on the remote. None
        when it took; why it did not otherwise."""
        lease = f"--force-with-lease={ref}:{expected or ''}"
        return self._push(f"{sha or ''}:{ref}", lease)

    def _refused(self, branch: str, rejection: Rejection) -> PushRejected:
        return PushRejected(
            f"{self.remote} refused the push of {branch} ({rejection}); check branch protection "
            "rules and that the token may push to it"
        )

    def _push(self, refspec: str, *options: str) -> Rejection | None:
        """Push; None on success, why when the remote rejected the update."""
        status, stdout, stderr = self._repo.git.push(
            "--porcelain",
            *options,
            self.remote,
            refspec,
            kill_after_timeout=NETWORK_TIMEOUT_SECONDS,
            with_extended_output=True,
            with_exceptions=False,
        )
        if status == 0:
            return None
        rejection = Rejection.from_porcelain(stdout, stderr=stderr)
        if rejection is None:
            detail = _most_telling_line(stderr) or f"git exited with status {status}"
            raise GitFailure(
                f"cannot push to {self.remote}: {detail}; check the remote and credentials"
            )
        return rejection

    def _rebase(self, branch: str, *, onto: str) -> None:
        try:
            self._repo.git.rebase(onto, branch)
        except GitCommandError:
            conflicted = self._conflicted_paths()
            self._repo.git.rebase("--abort")
            listed = ", ".join(conflicted) or "unknown files"
            raise GitFailure(
                f"cannot rebase {branch} onto {onto}: both changed {listed}; "
                "merge by hand and push, or run the job again"
            ) from None

    def _conflicted_paths(self) -> list[str]:
        names: str = self._repo.git.diff("--name-only", "--diff-filter=U")
        return sorted(name for name in names.splitlines() if name)


_PORCELAIN_REJECTION = re.compile(r"\[(?P<kind>[^\]]+)\](?: \((?P<why>[^)]*)\))?")


@dataclass(frozen=True)
class Rejection:
    """Why the remote did not take a pushed ref, from `git push --porcelain`'s `!` line:
    `[rejected] (fetch first)`, `[rejected] (stale info)`, `[remote rejected] (hook declined)`."""

    kind: str
    why: str
    # What the remote said about it (GitHub: "GH006: Protected branch update failed ...").
    remote_says: tuple[str, ...] = ()

    @classmethod
    def from_porcelain(cls, porcelain: str, *, stderr: str = "") -> Rejection | None:
        """None when no ref was rejected (the push failed some other way)."""
        for line in porcelain.splitlines():
            flag, _, rest = line.partition("\t")
            found = _PORCELAIN_REJECTION.search(rest) if flag == "!" else None
            if found:
                return cls(found["kind"], found["why"] or "", _remote_verdict(stderr))
        return None

    @property
    def by_remote(self) -> bool:
        """The server itself declined the update (a hook: protection, rulesets)."""
        return self.kind == "remote rejected"

    @property
    def behind(self) -> bool:
        """Someone pushed first: the push would not fast-forward."""
        return self.kind == "rejected" and self.why in {"fetch first", "non-fast-forward"}

    @property
    def lease_broken(self) -> bool:
        return self.kind == "rejected" and self.why == "stale info"

    def __str__(self) -> str:
        shown = f"{self.kind}: {self.why}" if self.why else self.kind
        return "; ".join([shown, *self.remote_says])


def _remote_verdict(stderr: str) -> tuple[str, ...]:
    """The remote's own error lines (`remote: error: ...`, `remote: - ...`), de-noised."""
    said = []
    for line in stderr.splitlines():
        text = line.removeprefix("remote:").strip() if line.startswith("remote:") else ""
        if text.startswith(("error:", "- ")):
            said.append(scrubbed_line(text.removeprefix("error:").removeprefix("- ").strip()))
    return tuple(said)
