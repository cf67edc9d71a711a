"""Find the target repository and its two files (docs/contract.md "Target repository and
files")."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from olx.core.model import Matrix
from olx.errors import BadValueError, ConfigError, FileAccessError, ShapeError

if TYPE_CHECKING:
    from olx.edit.change import Workspace

DEFAULT_TYPES = "src/bridge/settings/openedx/types.py"
DEFAULT_MATRIX = "src/bridge/settings/openedx/version_matrix.py"


@dataclass(frozen=True)
class Target:
    """The repository root and the two files' absolute paths."""

    root: Path
    types: Path
    matrix: Path

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)


def git_toplevel(start: Path) -> Path | None:
    """The work tree root above ``start`` (a ``.git`` dir or file), without running git."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _tool_olx(root: Path) -> dict[str, Any] | None:
    """``[tool.olx]`` of the target's pyproject.toml, if there is one."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return None
    import tomllib  # only when there is a pyproject.toml to read

    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{pyproject}: cannot read [tool.olx]: {exc}") from None
    tool = data.get("tool")
    section = tool.get("olx") if isinstance(tool, dict) else None
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.olx] is not a table")
    return section


def soak_table(root: Path) -> object | None:
    """``[tool.olx.soak]`` as written (validated by :func:`olx.ops.soak.parse_soak`)."""
    section = _tool_olx(root)
    return None if section is None else section.get("soak")


def verify_table(root: Path) -> object | None:
    """``[tool.olx.verify]`` as written (validated by
    :func:`olx.core.verify.parse_config`)."""
    section = _tool_olx(root)
    return None if section is None else section.get("verify")


# What a merge of a release change does not do by itself (the how-to's notes): the
# default of ``[tool.olx.pr] checklist``.
DEFAULT_CHECKLIST = (
    "Rebuild and push the ol-infrastructure Docker image (its pipeline), so that the "
    "meta pipelines can load the new version matrix",
    "Re-trigger the meta pipelines once the image is built",
    "Watch the database migrations of the first deployment of a new release to each "
    "stage; intervene where they conflict",
)


def remote_name(root: Path) -> str:
    """``[tool.olx] remote``: where ``--push`` pushes (default ``origin``)."""
    section = _tool_olx(root) or {}
    value = section.get("remote", "origin")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{root / 'pyproject.toml'}: [tool.olx] remote is not a remote's name",
            'write it as remote = "origin"',
        )
    return value.strip()


def pr_checklist(root: Path) -> list[str]:
    """``[tool.olx.pr] checklist``: what the pull request's checklist lists."""
    section = _tool_olx(root) or {}
    pr = section.get("pr", {})
    value = (
        pr.get("checklist", list(DEFAULT_CHECKLIST)) if isinstance(pr, dict) else None
    )
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"{root / 'pyproject.toml'}: [tool.olx.pr] checklist is not a list of "
            "strings",
            'write it as checklist = ["Rebuild the image", "..."]',
        )
    return value


def _configured(root: Path) -> dict[str, str]:
    """``types`` and ``matrix`` of ``[tool.olx]``; a value that is not a path (a
    number, a list, an empty string) is an input error, never silently ignored."""
    section = _tool_olx(root)
    if section is None:
        return {}
    out = {}
    for key in ("types", "matrix"):
        value = section.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(
                f"{root / 'pyproject.toml'}: [tool.olx] {key} = {value!r} is not a path",
                "write it as a path relative to the repository: "
                f'{key} = "{DEFAULT_TYPES if key == "types" else DEFAULT_MATRIX}"',
            )
        out[key] = value
    return out


def discover(
    repo: str | None = None,
    types: str | None = None,
    matrix: str | None = None,
    cwd: Path | None = None,
) -> Target:
    """--repo, else $OLX_REPO, else the git top-level of ``cwd``; then the two paths."""
    here = (cwd or Path.cwd()).resolve()
    chosen = repo or os.environ.get("OLX_REPO") or None
    if chosen:
        root = (here / chosen).resolve()
        if not root.is_dir():
            raise ConfigError(
                f"repository {chosen!r} is not a directory", "check --repo / OLX_REPO"
            )
    else:
        found = git_toplevel(here)
        if found is None:
            raise ConfigError(
                "not inside a git work tree",
                "run olx inside the infrastructure repository, or pass --repo PATH",
            )
        root = found
    config = _configured(root)
    types_path = root / (types or config.get("types") or DEFAULT_TYPES)
    matrix_path = root / (matrix or config.get("matrix") or DEFAULT_MATRIX)
    for path in (types_path, matrix_path):
        if not path.resolve().is_relative_to(root):
            raise ConfigError(
                f"{path} is outside the repository {root}",
                "--types/--matrix and [tool.olx] name files inside the repository",
            )
    if types_path.resolve() == matrix_path.resolve():
        # Two edits of one file would each be written over the other.
        raise ConfigError(
            f"--types and --matrix name the same file ({types_path.name})",
            "olx reads the release Enum and the matrix from two files",
        )
    return Target(root, types_path, matrix_path)


def read_text(path: Path, shown: str) -> str:
    """A file's text exactly as stored (newlines untranslated)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{shown}: file not found",
            "pass --repo, --types/--matrix, or set [tool.olx] in pyproject.toml",
        ) from None
    except OSError as exc:
        raise FileAccessError(f"{shown}: cannot read: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ShapeError(shown, None, f"not UTF-8 ({exc.reason})") from None


def load(target: Target) -> tuple[Matrix, str, str]:
    """Read both files; returns the model and the two texts."""
    from olx.core.reader import read_sources

    types_shown, matrix_shown = target.rel(target.types), target.rel(target.matrix)
    types_src = read_text(target.types, types_shown)
    matrix_src = read_text(target.matrix, matrix_shown)
    return (
        read_sources(types_src, matrix_src, types_shown, matrix_shown),
        types_src,
        matrix_src,
    )


def _no_links(target: Target) -> None:
    for path in (target.types, target.matrix):
        if path.resolve() != Path(os.path.abspath(path)):
            # Replacing a link by a file (or staging a path git sees beyond a link)
            # would surprise everyone; refuse rather than guess.
            raise ConfigError(
                f"{target.rel(path)} is (or is reached through) a symbolic link",
                "olx writes regular files only; name the real path",
            )


def workspace(target: Target) -> Workspace:
    """The two files' texts as a workspace to plan writes against (read lazily)."""
    from olx.edit.change import Workspace

    types_shown, matrix_shown = target.rel(target.types), target.rel(target.matrix)
    _no_links(target)
    return Workspace(
        target.types,
        target.matrix,
        types_shown,
        matrix_shown,
        read_text(target.types, types_shown),
        read_text(target.matrix, matrix_shown),
    )


def workspace_at(target: Target, commit: str) -> Workspace:
    """The two files as ``commit`` has them (``--base REF``): the workspace a write
    plans against when its new branch starts there, not at HEAD.

    The texts are the files as checking ``commit`` out writes them into the work tree
    (``git cat-file --filters``: smudge filters and line-ending conversion, by the
    work tree's attributes and ``core.autocrlf``), not the blobs as stored: the write
    checks out the new branch, then requires each file to be, byte for byte, the text
    the change was planned against, and writes the new text into the work tree (git
    cleans it again as it stages it). With ``* text eol=crlf`` the blob has LF and the
    checked-out file CRLF: planned against the blob, the write was refused.

    The attributes are the work tree's (git 2.39 has no ``--attr-source``): where
    ``commit``'s own ``.gitattributes`` would check a file out otherwise, the byte check
    refuses the write (exit 2) rather than write a wrong file."""
    from olx import gitrun
    from olx.edit.change import Workspace

    _no_links(target)
    shown = (target.rel(target.types), target.rel(target.matrix))
    texts = []
    for rel in shown:
        proc = gitrun.run(target.root, "cat-file", "--filters", f"{commit}:{rel}")
        if not proc.ok:
            there = gitrun.run(target.root, "cat-file", "-e", f"{commit}:{rel}")
            if there.ok:  # a filter (its smudge command) failed
                proc.check(f"git cannot check out {rel} as --base has it")
            raise BadValueError(
                f"--base {commit[:10]} has no {rel}",
                "name a commit that has both files",
            )
        try:
            texts.append(proc.stdout.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ShapeError(rel, None, f"not UTF-8 ({exc.reason})") from None
    types_src, matrix_src = texts
    return Workspace(
        target.types,
        target.matrix,
        shown[0],
        shown[1],
        types_src,
        matrix_src,
        revision=commit,
    )
