"""The git helpers the plan and preview commands add: reading a directory at a ref, a
throw-away work tree, ancestry and uncommitted-change checks — on real repositories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from controller.adapters.git_workspace import GitFailure, GitIdentity, Workspace
from tests.integration.git_sandbox import (
    Origin,
    commit_file,
    git,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("guarded_git")]


@pytest.fixture
def origin(bare_origin: Callable[..., Origin]) -> Origin:
    return bare_origin(
        files={
            "policies/org.yaml": "version: 1\n",
            "policies/teams/a.yaml": "name: a\n",
            "README.md": "readme\n",
        },
    )


def test_export_directory_writes_the_files_as_they_were_at_the_ref(
    origin: Origin, tmp_path: Path
) -> None:
    clone = origin.clone("a")
    commit_file(clone, "policies/org.yaml", "version: 2\n", message="newer")
    ws = Workspace.open(clone, identity=GitIdentity())

    written = ws.export_directory("HEAD~1", "policies", into=tmp_path / "old")

    assert written == 2
    assert (tmp_path / "old" / "org.yaml").read_text() == "version: 1\n"
    assert (tmp_path / "old" / "teams" / "a.yaml").read_text() == "name: a\n"
    assert ws.files_at("HEAD", "missing") == {}


def test_an_unknown_ref_says_to_fetch(origin: Origin) -> None:
    ws = Workspace.open(origin.clone("a"), identity=GitIdentity())

    with pytest.raises(GitFailure, match="fetch-depth: 0"):
        ws.resolve_commit("origin/no-such-branch")


def test_a_temporary_worktree_leaves_the_checkout_alone_and_is_removed(origin: Origin) -> None:
    clone = origin.clone("a")
    (clone / "README.md").write_text("edited, not committed\n")
    ws = Workspace.open(clone, identity=GitIdentity())
    head = ws.head_commit()

    with ws.temporary_worktree(head) as tree:
        tree.reset_branch("side", base=head)
        side = tree.commit_files({"side.txt": "x\n"}, message="side")
        tree_root = tree.root

    assert ws.current_branch() == "main"
    assert (clone / "README.md").read_text() == "edited, not committed\n"
    assert not (clone / "side.txt").exists()
    assert not tree_root.exists()
    assert git(clone, "rev-parse", "side") == side
    assert git(clone, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_ancestry_and_uncommitted_paths(origin: Origin) -> None:
    clone = origin.clone("a")
    ws = Workspace.open(clone, identity=GitIdentity())
    first = ws.head_commit()
    later = commit_file(clone, "README.md", "two\n", message="later")
    (clone / "policies" / "org.yaml").write_text("version: 3\n")
    (clone / "policies" / "new.yaml").write_text("new\n")
    (clone / "README.md").write_text("three\n")

    assert ws.is_ancestor(first, of=later)
    assert not ws.is_ancestor(later, of=first)
    assert ws.uncommitted_paths(["policies"]) == ["policies/new.yaml", "policies/org.yaml"]
    assert ws.uncommitted_paths(["state"]) == []
    assert ws.relative_path(clone / "policies") == "policies"
