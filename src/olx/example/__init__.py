"""``olx init-example``: a new git repository holding the project's example matrix."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from olx.errors import BadValueError, FileAccessError, GitStateError
from olx.repo.targets import DEFAULT_MATRIX, DEFAULT_TYPES

EXAMPLE_README = """\
# olx example infrastructure repository

Made by `olx init-example`. The version matrix lives in `src/bridge/settings/openedx/`:
`types.py` (supported releases, applications) and `version_matrix.py` (deployments and
their stages, and the `ReleaseMap` of applications per release and deployment).

Try: `olx --repo . show`, `olx --repo . check`, `olx --repo . promote mitx QA --dry-run`.
"""

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


def init_example(dest: Path) -> tuple[str, list[str]]:
    """Create ``dest`` as a git repository with one commit; returns (commit, files)."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BadValueError(
            f"{dest} already exists and is not empty", "choose a new directory"
        )
    import git  # GitPython: imported only where it is used, to keep start-up fast

    files = example_sources()
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
        raise GitStateError(f"git init failed: {exc.stderr.strip()}") from None
    from olx.repo.gitops import has_identity

    with repo:  # closed on leaving, not when the cycle collector gets to it
        if not has_identity(repo):
            # A fresh machine has no git identity; the example must still work end to
            # end, so it gets a local one (documented in the README).
            with repo.config_writer() as cfg:
                cfg.set_value("user", "name", FALLBACK_NAME)
                cfg.set_value("user", "email", FALLBACK_EMAIL)
        repo.index.add(sorted(files))
        commit = repo.index.commit("Initial example matrix (olx init-example)")
        return commit.hexsha, sorted(files)
