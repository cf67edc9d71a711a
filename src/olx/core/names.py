"""Names the way people type them, and the validation of values that become source.

Deployments by ``deployment_name`` or Enum member name, comma lists, stages
case-insensitively, releases by value. Unknown names are input errors that list the
valid names and suggest the closest one.
"""

from __future__ import annotations

import keyword
import re

from olx.core.model import STAGES, Deployment, Matrix, Release
from olx.errors import InputError

RELEASE_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
RUNTIME_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*\Z")


def closest(name: str, valid: list[str]) -> str | None:
    """The valid name closest to ``name``, if one is close enough to be a typo."""
    import difflib  # only on the error path

    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    return close[0] if close else None


def unknown(kind: str, name: str, valid: list[str]) -> InputError:
    close = closest(name, valid)
    hint = f"did you mean {close!r}? " if close else ""
    return InputError(f"unknown {kind} {name!r}", f"{hint}valid: {', '.join(valid)}")


def word_pattern(word: str) -> str:
    """A regex for ``word`` as a whole name or path segment (``mitx/teak``,
    ``teak.master``), not inside another name (``teakwood``, ``pre-teak``)."""
    return rf"(?<![\w-]){re.escape(word)}(?![\w-])"


def split_list(text: str) -> list[str]:
    """``a,b , c`` → [a, b, c]; duplicates dropped, order kept."""
    out: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    if not out:
        raise InputError(f"empty list {text!r}")
    return out


def find_deployment(matrix: Matrix, name: str) -> Deployment | None:
    """The deployment whose ``deployment_name`` or Enum member name is ``name``."""
    return next(
        (d for d in matrix.matrix.deployments if name in (d.name, d.member)), None
    )


def deployments(matrix: Matrix, text: str) -> list[Deployment]:
    """Resolve a comma list of deployment names or member names."""
    out: list[Deployment] = []
    for name in split_list(text):
        found = find_deployment(matrix, name)
        if found is None:
            raise unknown(
                "deployment", name, [d.name for d in matrix.matrix.deployments]
            )
        if found not in out:
            out.append(found)
    return out


def stage(text: str) -> str:
    for known in STAGES:
        if text.lower() == known.lower():
            return known
    raise unknown("stage", text, list(STAGES))


def release(matrix: Matrix, name: str) -> Release:
    """A member of the release Enum, by value (or member name)."""
    for rel in matrix.types.releases:
        if name in (rel.name, rel.member):
            return rel
    raise unknown("release", name, [r.name for r in matrix.types.releases])


def validate_release_name(name: str) -> str:
    if not RELEASE_NAME.match(name) or keyword.iskeyword(name):
        raise InputError(
            f"invalid release name {name!r}",
            "use lower-case letters, digits and _, starting with a letter (not a keyword)",
        )
    return name


def validate_branch(branch: str) -> str:
    """A valid git ref name (the rules of ``git check-ref-format --branch``)."""
    bad = (
        not branch
        or branch.startswith(("-", "/", "."))
        or branch.endswith(("/", ".", ".lock"))
        or ".." in branch
        or "//" in branch
        or "@{" in branch
        or branch == "@"
        or "/." in branch
        or any(c in branch for c in " ~^:?*[\\\"'")
        or any(ord(c) < 32 or ord(c) == 127 for c in branch)
    )
    if bad:
        raise InputError(
            f"invalid branch name {branch!r}", "give a valid git branch name"
        )
    return branch


def validate_runtime(version: str, what: str) -> str:
    if not RUNTIME_VERSION.match(version):
        raise InputError(
            f"invalid {what} {version!r}", "use dotted numbers such as 3.11 or 20"
        )
    return version
