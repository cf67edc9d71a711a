"""``olx init-example``: a new git repository holding the project's example matrix."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from olx.errors import BadValueError, FileAccessError
from olx.gitrun import GitError
from olx.repo.targets import DEFAULT_MATRIX, DEFAULT_TYPES

EXAMPLE_README = """\
# olx example infrastructure repository

Made by `olx init-example`. The version matrix lives in `src/bridge/settings/openedx/`:
`types.py` (supported releases, applications) and `version_matrix.py` (deployments and
their stages, and the `ReleaseMap` of applications per release and deployment).

Try: `olx --repo . show`, `olx --repo . check`, `olx --repo . promote mitx QA --dry-run`.
"""

COMMIT_MESSAGE = "Initial example matrix (olx init-example)"
FALLBACK_NAME = "olx example"
FALLBACK_EMAIL = "olx-example@example.invalid"


def example_sources() -> dict[str, str]:
    """The example's files, relative path → text."""
    data = resources.files("olx") / "example"
    return {
        DEFAULT_TYPES: (data / "types.py.txt").read_text(encoding="utf-8"),
        DEFAULT_MATRIX: (data / "version_matrix.py.txt").read_text(encoding="utf-8"),
        "src/bridge/__init__.py": "",
        "src/bridge/settings/__init__.py": "",
        "src/bridge/settings/openedx/__init__.py": "",
        "README.md": EXAMPLE_README,
    }


@dataclass(frozen=True)
class Example:
    """What ``olx init-example DIR`` did: the example's commit and files, whether it
    made them now (``created``) or found them there, and how the example found
    there has moved on since it was made (``since``: empty when it has not)."""

    commit: str
    files: list[str]
    created: bool
    since: str = ""


def init_example(dest: Path) -> Example:
    """Create ``dest`` as a git repository with one commit, the example.

    A ``dest`` that already holds the example (the top of a git repository whose
    first commit is the example's, as olx makes it) is left as it is: running the
    quickstart twice works. Any other file or non-empty directory is an input error.
    """
    files = example_sources()
    if dest.exists() and not dest.is_dir():
        raise BadValueError(
            f"{dest} already exists and is not a directory",
            "choose another directory",
        )
    if dest.exists() and any(dest.iterdir()):
        found = _example_in(dest, files)
        if found is None:
            raise BadValueError(
                f"{dest} already exists and holds something other than the olx example",
                f"choose another directory, or remove {dest} first",
            )
        return found
    import git  # GitPython: imported only where it is used, to keep start-up fast

    try:
        dest.mkdir(parents=True, exist_ok=True)
        for rel, text in files.items():
            path = dest / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise FileAccessError(f"cannot create {dest}: {exc.strerror}") from None
    try:
        repo = git.Repo.init(dest, initial_branch="main")
    except git.GitCommandError as exc:
        raise GitError.from_gitpython(exc) from None
    from olx.repo.gitops import has_identity

    with repo:  # closed on leaving, not when the cycle collector gets to it
        if not has_identity(repo):
            # A fresh machine has no git identity; the example must still work end to
            # end, so it gets a local one (documented in the README).
            with repo.config_writer() as cfg:
                cfg.set_value("user", "name", FALLBACK_NAME)
                cfg.set_value("user", "email", FALLBACK_EMAIL)
        repo.index.add(sorted(files))
        commit = repo.index.commit(COMMIT_MESSAGE)
        return Example(commit.hexsha, sorted(files), created=True)


def _blob_id(text: str) -> str:
    """The id git gives a file holding ``text`` (UTF-8), as it would hash it."""
    import hashlib

    data = text.encode("utf-8")
    return hashlib.sha1(
        b"blob %d\0" % len(data) + data, usedforsecurity=False
    ).hexdigest()


def _example_in(dest: Path, files: dict[str, str]) -> Example | None:
    """The example ``dest`` holds: ``dest`` is the top of a git repository whose
    first commit has exactly the example's files, with the example's contents;
    None when it is anything else."""
    import git

    try:
        repo = git.Repo(dest)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    with repo:
        top = repo.working_tree_dir
        if top is None or Path(top).resolve() != dest.resolve():
            return None
        try:
            roots = repo.git.rev_list("--max-parents=0", "HEAD").split()
        except git.GitCommandError:  # no commit yet
            return None
        wanted = {rel: _blob_id(text) for rel, text in files.items()}
        for root in roots:
            listing = repo.git.ls_tree("-r", "-z", root).split("\0")
            held = {
                path: meta.split()[2]
                for meta, _, path in (entry.partition("\t") for entry in listing)
                if path
            }
            if held == wanted:
                return Example(
                    root, sorted(files), created=False, since=_since(repo, root)
                )
    return None


def _since(repo: Any, root: str) -> str:
    """How a repository made from the example at ``root`` moved on: commits since,
    the branch checked out, changes not committed; empty when it did not."""
    parts = []
    commits = int(repo.git.rev_list("--count", f"{root}..HEAD"))
    if commits:
        parts.append(f"{commits} commit{'s' if commits > 1 else ''} since")
    branch = "" if repo.head.is_detached else repo.active_branch.name
    if branch != "main":
        parts.append(f"on {branch or 'a detached HEAD'}")
    if repo.is_dirty(untracked_files=False):
        parts.append("changes not committed")
    return ", ".join(parts)
