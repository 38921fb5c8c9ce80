"""Git plumbing over the GitHub simulator's bare repository: the truth for refs and merges.

The simulator (controller/sim/github) keeps pull requests, comments and labels in memory but
reads every branch from this bare repository, which workspace clones push to as `origin`.
Merges use plumbing only (`merge-tree --write-tree`, `commit-tree`, `update-ref` with the old
value), so no worktree is needed and a push that lands during a merge is never overwritten.
`merge-tree --write-tree` needs git 2.38 or newer. GitHub's three merge methods are modelled: a
merge commit, a squash (one commit with the merge's tree on the base) and a rebase (each commit
replayed on the base, its author kept, three-way merged in a scratch index).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import git
from git.exc import BadName, GitCommandError

# What the simulator accepts as a branch or ref name: no option-like or relative names, so a
# request can never smuggle a flag or a revision range into a git command line.
_SAFE_REF = re.compile(r"^(?!-)(?!.*\.\.)[A-Za-z0-9._/\-]+$")


@dataclass(frozen=True)
class Signature:
    """Who a commit is by: name and e-mail address."""

    name: str
    email: str


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a directory listing (contents API on a folder)."""

    name: str
    path: str
    sha: str
    kind: str
    size: int


@dataclass(frozen=True)
class FileBlob:
    """A file read at a ref: its blob id and bytes."""

    path: str
    sha: str
    data: bytes


@dataclass(frozen=True)
class DiffStats:
    """What a pull request changes: its commits and the lines and files of its diff."""

    commits: int = 0
    additions: int = 0
    deletions: int = 0
    changed_files: int = 0


class MergeConflict(Exception):
    """The head and base branches touch the same lines: GitHub calls this 'not mergeable'."""


class RefMoved(Exception):
    """A ref changed (or appeared) between reading it and updating it."""


def is_safe_ref_name(name: str) -> bool:
    return bool(_SAFE_REF.match(name)) and not name.endswith((".lock", "/"))


def init_bare_repository(git_dir: Path, *, default_branch: str = "main") -> None:
    """Create an empty bare repository whose HEAD names `default_branch`."""
    git.Repo.init(git_dir, bare=True, mkdir=True, initial_branch=default_branch)


class BareRepository:
    """Reads and updates branches of one bare repository through git plumbing commands."""

    def __init__(self, git_dir: Path) -> None:
        self._repo = git.Repo(git_dir)
        self.git_dir = git_dir

    def close(self) -> None:
        """Stop the `git cat-file` processes GitPython keeps to read objects."""
        self._repo.close()

    def default_branch(self) -> str:
        head: str = self._repo.git.symbolic_ref("HEAD")
        return head.removeprefix("refs/heads/")

    def branch_sha(self, branch: str) -> str | None:
        return self.resolve_commit(f"refs/heads/{branch}") if is_safe_ref_name(branch) else None

    def resolve_commit(self, revision: str) -> str | None:
        """The commit a branch, tag or sha names, or None when it names nothing."""
        if not is_safe_ref_name(revision):
            return None
        try:
            return self._repo.commit(revision).hexsha
        except (BadName, ValueError, GitCommandError):
            return None

    def refs_with_prefix(self, prefix: str) -> dict[str, str]:
        """Refs under `refs/<prefix>` mapped to the object each points at, sorted by name."""
        listing: str = self._repo.git.for_each_ref("--format=%(refname) %(objectname)", "refs/")
        refs = dict(line.split(" ", 1) for line in listing.splitlines() if line)
        return {name: sha for name, sha in sorted(refs.items()) if name.startswith(prefix)}

    def create_ref(self, ref: str, sha: str) -> None:
        """Create `ref` at `sha`; RefMoved when it already exists (the empty old value)."""
        self._update_ref(ref, sha, expected="")

    def move_ref(self, ref: str, sha: str, *, expected: str) -> None:
        self._update_ref(ref, sha, expected=expected)

    def delete_ref(self, ref: str) -> None:
        self._repo.git.update_ref("-d", ref)

    def _update_ref(self, ref: str, sha: str, *, expected: str) -> None:
        try:
            self._repo.git.update_ref(ref, sha, expected)
        except GitCommandError as error:
            raise RefMoved(ref) from error

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        try:
            self._repo.git.merge_base("--is-ancestor", ancestor, descendant)
        except GitCommandError:
            return False
        return True

    def commits_between(self, *, since: str, until: str) -> list[str]:
        """The commits `until` holds that `since` does not (`git rev-list since..until`)."""
        if not until:
            return []
        listed: str = self._repo.git.rev_list(f"{since}..{until}" if since else until)
        return listed.split()

    def changed_paths(self, *, base_sha: str, head_sha: str, since_fork: bool) -> frozenset[str]:
        """The files a workflow's `paths` filter sees, compared as GitHub compares them: a pull
        request against the point where it forked from its base (`since_fork`, three dots), a
        push to an existing branch tip against tip (two dots). Every file of `head_sha` when
        there is no base, or no common history to compare from (GitHub runs the workflow when
        it cannot make the diff)."""
        dots = "..." if since_fork else ".."
        compared = self._diff_names(f"{base_sha}{dots}{head_sha}") if base_sha else None
        if compared is not None:
            return compared
        listed: str = self._repo.git.ls_tree("-r", "--name-only", head_sha)
        return frozenset(listed.splitlines())

    def _diff_names(self, revisions: str) -> frozenset[str] | None:
        """The files `git diff` names for `revisions`; None when git cannot compare them
        (a three-dot range with no merge base)."""
        try:
            listed: str = self._repo.git.diff("--name-only", revisions, "--")
        except GitCommandError:
            return None
        return frozenset(listed.splitlines())

    def diff_stats(self, *, base_sha: str, head_sha: str) -> DiffStats:
        """Commits on `head_sha` not on `base_sha`, and the diff since they forked."""
        if not (is_safe_ref_name(base_sha) and is_safe_ref_name(head_sha)):
            return DiffStats()
        try:
            count: str = self._repo.git.rev_list("--count", f"{base_sha}..{head_sha}")
            numstat: str = self._repo.git.diff("--numstat", f"{base_sha}...{head_sha}", "--")
        except GitCommandError:
            return DiffStats()
        rows = [line.split("\t", 2) for line in numstat.splitlines() if line]
        # Binary files count as changed with "-" for both line counts.
        added = sum(int(row[0]) for row in rows if row[0].isdigit())
        removed = sum(int(row[1]) for row in rows if row[1].isdigit())
        return DiffStats(int(count), added, removed, len(rows))

    def read_path(self, revision: str, path: str) -> FileBlob | list[TreeEntry] | None:
        """A file's blob, a folder's entries, or None when `path` is not there at `revision`."""
        if not is_safe_ref_name(revision):
            return None
        try:
            tree = self._repo.commit(revision).tree
            item = tree / path if path else tree
        except (BadName, ValueError, KeyError, GitCommandError):
            return None
        if isinstance(item, git.Blob):
            return FileBlob(path=path, sha=item.hexsha, data=item.data_stream.read())
        if isinstance(item, git.Tree):
            return [_entry(child) for child in item]
        return None

    def merge_tree(self, *, base_sha: str, head_sha: str) -> str:
        """The tree of merging `head_sha` into `base_sha`; MergeConflict when they conflict."""
        try:
            output: str = self._repo.git.merge_tree("--write-tree", base_sha, head_sha)
        except GitCommandError as error:
            # Exit status 1 is git's documented "merge had conflicts"; anything else is a fault.
            if error.status == 1:
                raise MergeConflict(f"{head_sha} conflicts with {base_sha}") from None
            raise
        return output.splitlines()[0]

    def commit_merge(
        self,
        *,
        base_branch: str,
        head_sha: str,
        message: str,
        author: Signature,
        committer: Signature,
    ) -> str:
        """Merge `head_sha` into `base_branch` with a real two-parent commit; its sha."""
        base_sha = self.branch_sha(base_branch)
        if base_sha is None:
            raise RefMoved(f"refs/heads/{base_branch}")
        tree = self.merge_tree(base_sha=base_sha, head_sha=head_sha)
        commit = self._commit_tree(
            tree, parents=(base_sha, head_sha), message=message, people=(author, committer)
        )
        self.move_ref(f"refs/heads/{base_branch}", commit, expected=base_sha)
        return commit

    def commit_squash(
        self,
        *,
        base_branch: str,
        head_sha: str,
        message: str,
        author: Signature,
        committer: Signature,
    ) -> str:
        """Squash `head_sha` onto `base_branch`: one commit, the merge's tree, one parent."""
        base_sha = self._base_sha(base_branch)
        tree = self.merge_tree(base_sha=base_sha, head_sha=head_sha)
        commit = self._commit_tree(
            tree, parents=(base_sha,), message=message, people=(author, committer)
        )
        self.move_ref(f"refs/heads/{base_branch}", commit, expected=base_sha)
        return commit

    def commit_rebase(self, *, base_branch: str, head_sha: str, committer: Signature) -> str:
        """Replay each commit of `head_sha` that `base_branch` lacks onto it, oldest first,
        authors and messages kept; the last commit replayed."""
        base_sha = self._base_sha(base_branch)
        listed: str = self._repo.git.rev_list("--reverse", f"{base_sha}..{head_sha}")
        onto = base_sha
        for sha in listed.split():
            onto = self._replay(sha, onto=onto, committer=committer)
        self.move_ref(f"refs/heads/{base_branch}", onto, expected=base_sha)
        return onto

    def _base_sha(self, base_branch: str) -> str:
        base_sha = self.branch_sha(base_branch)
        if base_sha is None:
            raise RefMoved(f"refs/heads/{base_branch}")
        return base_sha

    def _replay(self, sha: str, *, onto: str, committer: Signature) -> str:
        commit = self._repo.commit(sha)
        if len(commit.parents) != 1:
            raise MergeConflict(f"{sha} is a merge commit; GitHub cannot rebase it")
        tree = self._three_way_tree(base=commit.parents[0].hexsha, ours=onto, theirs=sha)
        author = Signature(name=str(commit.author.name), email=str(commit.author.email))
        message = str(commit.message)
        return self._commit_tree(tree, parents=(onto,), message=message, people=(author, committer))

    def _three_way_tree(self, *, base: str, ours: str, theirs: str) -> str:
        """The tree of applying `base`..`theirs` onto `ours`; MergeConflict when they clash."""
        with tempfile.TemporaryDirectory() as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            try:
                self._repo.git.read_tree("-i", "-m", "--aggressive", base, ours, theirs, env=index)
                tree: str = self._repo.git.write_tree(env=index)
            except GitCommandError:
                raise MergeConflict(f"{theirs} does not apply on {ours}") from None
        return tree.strip()

    def _commit_tree(
        self,
        tree: str,
        *,
        parents: tuple[str, ...],
        message: str,
        people: tuple[Signature, Signature],
    ) -> str:
        author, committer = people
        identity = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": committer.name,
            "GIT_COMMITTER_EMAIL": committer.email,
        }
        parent_flags = [flag for parent in parents for flag in ("-p", parent)]
        sha: str = self._repo.git.commit_tree(tree, *parent_flags, "-m", message, env=identity)
        return sha.strip()


def _entry(item: git.Blob | git.Tree | git.Submodule) -> TreeEntry:
    kind = {"blob": "file", "tree": "dir"}.get(item.type, "submodule")
    size = item.size if isinstance(item, git.Blob) else 0
    return TreeEntry(name=item.name, path=str(item.path), sha=item.hexsha, kind=kind, size=size)
