"""Names the way people type them, and the validation of values that become source.

Deployments by ``deployment_name`` or Enum member name, comma lists, stages
case-insensitively, releases by value, applications by value or member name. Unknown
names are input errors that list the valid names and suggest the closest one. The
validation of values that become source is in :mod:`olx.core.values`.
"""

from __future__ import annotations

import re

from olx.core.model import STAGES, Application, Deployment, Matrix, Release
from olx.errors import BadValueError, UnknownNameError


def closest(name: str, valid: list[str]) -> str | None:
    """The valid name closest to ``name``, if one is close enough to be a typo;
    compared case-insensitively (``ULMO`` is closest to ``ulmo``)."""
    import difflib  # only on the error path

    folded: dict[str, str] = {}
    for known in valid:
        folded.setdefault(known.casefold(), known)
    close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.5)
    return folded[close[0]] if close else None


def unknown(kind: str, name: str, valid: list[str]) -> UnknownNameError:
    """The error for a ``kind`` (deployment, stage, ...) named ``name`` that is not
    there: the valid names, and the closest one."""
    close = closest(name, valid)
    hint = f"did you mean {close!r}? " if close else ""
    return UnknownNameError(
        f"unknown {kind} {name!r}", f"{hint}valid: {', '.join(valid)}"
    )


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
        raise BadValueError(
            f"empty list {text!r}", "give one name or more, comma separated: mitx,xpro"
        )
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


def application(matrix: Matrix, name: str) -> Application:
    """A member of the IDA or MFE Enum, by value (``edx-platform``) or member name."""
    apps = matrix.types.applications
    for app in apps:
        if name == app.value:
            return app
    for app in apps:
        if name == app.member:
            return app
    raise unknown("application", name, [a.value for a in apps])


def deployment_names(matrix: Matrix, texts: list[str]) -> list[str]:
    """Deployment names (``mitx_staging`` → ``mitx-staging``) from comma lists, each
    once however it was typed; a name the deployment Enum lacks may still key a
    ReleaseMap list, and is kept as typed."""
    out: list[str] = []
    for text in texts:
        for name in split_list(text):
            found = find_deployment(matrix, name)
            dep = found.name if found else name
            if dep not in out:
                out.append(dep)
    return out
