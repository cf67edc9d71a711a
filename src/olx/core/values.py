"""Validation of every value a user types that becomes source code.

Nothing a user types becomes code: names must match tight patterns, branches must be git
ref names, runtimes dotted numbers, origins URLs, and ``--set`` values JSON or the name of
a module-level constant of the matrix file. Anything else is a :class:`~olx.errors.BadValueError`
(exit 2) whose hint shows the accepted forms. The writers then quote every string
themselves (:mod:`olx.edit.literals`), so even an accepted value is data, never code.
"""

from __future__ import annotations

import ast
import functools
import json
import keyword
import math
import re
from dataclasses import dataclass
from typing import Any

from olx.errors import BadValueError

RELEASE_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")
RUNTIME_VERSION = re.compile(r"[0-9]+(\.[0-9]+)*\Z")
# Application values as the real Enums spell them: edx-platform, edxapp_theme, notes-api.
APP_VALUE = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")
MEMBER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
MFE_PATH = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*\Z")
HTTPS_URL = re.compile(
    r"https://[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%+@-]*)*\Z"
)
SCP_URL = re.compile(
    r"[A-Za-z0-9._-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?:[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*\Z"
)
MAX_LENGTH = 200
URL_FORMS = "https://host/owner/repo or git@host:owner/repo.git"


def _within_max_length(text: str, what: str) -> None:
    """Refuse a value longer than :data:`MAX_LENGTH` before any other check reads it
    (what each value may contain is its own validator's rule)."""
    if len(text) > MAX_LENGTH:
        raise BadValueError(
            f"{what} is {len(text)} characters long", f"at most {MAX_LENGTH}"
        )


def validate_release_name(name: str) -> str:
    _within_max_length(name, "the release name")
    if not RELEASE_NAME.match(name) or keyword.iskeyword(name):
        raise BadValueError(
            f"invalid release name {name!r}",
            "use lower-case letters, digits and _, starting with a letter (not a keyword)",
        )
    return name


def validate_branch(branch: str) -> str:
    """A branch name that becomes source: ASCII, none of the characters a shell or a
    quote would read (olx's own rule, stricter than git's), and a name git itself
    takes as a branch (:func:`git_accepts_branch`)."""
    _within_max_length(branch, "the branch name")
    bad = (
        not branch
        or not branch.isascii()
        or branch.startswith("-")
        or "@{" in branch  # git reads these as revisions (@{-1}, HEAD@{1})
        or branch == "@"
        or any(c in branch for c in " ~^:?*[\\\"'{}`$")
        or any(ord(c) < 32 or ord(c) == 127 for c in branch)
        or not git_accepts_branch(branch)
    )
    if bad:
        raise BadValueError(
            f"invalid branch name {branch!r}",
            "give a valid git branch name, such as release/ulmo or mitx/ulmo",
        )
    return branch


@functools.lru_cache(maxsize=256)
def git_accepts_branch(name: str) -> bool:
    """Whether git takes ``name`` as a branch name: ``git check-ref-format --branch``
    judges it, so that olx never keeps a copy of git's rules (only writes ask; ``show``
    and ``check`` never run it). ``name`` has no NUL (callers check it first)."""
    from olx import gitrun

    return gitrun.run(None, "check-ref-format", "--branch", name).ok


MAX_DEFAULT_BRANCH = 100  # characters after olx/: a ref is a file name, too


def default_branch(words: list[str]) -> str:
    """``olx/<command>-<args>`` for any words: lower case, ``[a-z0-9._-]`` only, no
    ``..``, no end in ``.lock`` or ``.``, at most :data:`MAX_DEFAULT_BRANCH` characters,
    so that git takes it (``add-app x..y``, an app ``foo.lock``, a runbook
    ``a..b.txt``)."""
    parts = [re.sub(r"[^a-z0-9._]+", "-", w.lower()).strip("-.") for w in words]
    slug = re.sub(r"\.{2,}", ".", "-".join(p for p in parts if p))
    slug = re.sub(r"-{2,}", "-", slug)[:MAX_DEFAULT_BRANCH].strip("-.")
    if slug.endswith(".lock"):
        slug = slug.removesuffix(".lock") + "-lock"
    return "olx/" + (slug or "change")


def validate_commit_branch(branch: str) -> str:
    """``--branch``/``--git-branch`` of a write: git itself judges the ref name (in
    :func:`olx.repo.gitops.preflight`), but a NUL cannot reach git's argv, a name
    longer than a file name cannot become a ref file, and an invisible character
    (zero-width, bidi) makes a branch that looks like another: all are refused here,
    before anything is read or written, instead of failing mid-write."""
    _within_max_length(branch, "the branch name")
    if not branch or not branch.isprintable():
        raise BadValueError(
            f"invalid branch name {branch!r}",
            "a branch name has no control, zero-width or bidi characters",
        )
    if branch == "@" or "@{" in branch:
        # git reads these as revisions (HEAD, @{-1}), so `check-ref-format --branch`
        # judges another name than the one `checkout -b` would create.
        raise BadValueError(
            f"invalid branch name {branch!r}",
            "'@' alone and '@{' mean revisions in git",
        )
    return branch


def validate_commit_message(message: str) -> str:
    """``--message`` is the commit message's first line: one line, no NUL (which
    cannot reach git's argv); the body is olx's own record of the change."""
    if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in message):
        raise BadValueError(
            f"invalid commit message {message[:60]!r}",
            "--message is the first line only: no line breaks or control characters",
        )
    return message


def validate_runtime(version: str, what: str) -> str:
    _within_max_length(version, f"the {what}")
    if not RUNTIME_VERSION.match(version):
        raise BadValueError(
            f"invalid {what} {version!r}", "use dotted numbers such as 3.11 or 20"
        )
    return version


def validate_url(url: str, what: str = "origin") -> str:
    """An ``https://`` URL or a ``git@host:path`` address, nothing else."""
    _within_max_length(url, f"the {what}")
    if not (HTTPS_URL.match(url) or SCP_URL.match(url)):
        raise BadValueError(f"invalid {what} {url!r}", f"use {URL_FORMS}")
    return url


def validate_app_value(value: str) -> str:
    _within_max_length(value, "the application name")
    if not APP_VALUE.match(value):
        raise BadValueError(
            f"invalid application name {value!r}",
            "use lower-case letters, digits, '.', '_' and '-', such as notes-api",
        )
    return value


def validate_member_name(name: str) -> str:
    """An Enum member name: an identifier, not a keyword, not private (the names an
    Enum reserves or its class defines: :func:`olx.edit.members.refuse_member_name`)."""
    _within_max_length(name, "the member name")
    if not MEMBER_NAME.match(name) or keyword.iskeyword(name):
        raise BadValueError(
            f"invalid member name {name!r}",
            "use letters, digits and _, starting with a letter (not a keyword)",
        )
    return name


def validate_mfe_path(path: str) -> str:
    _within_max_length(path, "the path")
    if not MFE_PATH.match(path):
        raise BadValueError(
            f"invalid path {path!r}",
            "use letters, digits, '.', '_' and '-', segments separated by '/'",
        )
    return path


@dataclass(frozen=True)
class FieldValue:
    """A ``--set`` value: JSON data, or the name of a module-level constant."""

    value: Any  # the JSON value, or the constant's value
    constant: str | None = None  # the constant's name, written as that name

    @property
    def shown(self) -> str:
        return self.constant or json.dumps(self.value, ensure_ascii=False)


MAX_DEPTH = 20


def _depth(value: Any) -> int:
    """How deeply lists and dicts nest in ``value`` (iteratively: no recursion limit)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        if isinstance(item, list):
            stack += [(v, level + 1) for v in item]
        elif isinstance(item, dict):
            stack += [(v, level + 1) for v in item.values()]
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _is_json(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if value is None or isinstance(value, (str, bool, int)):
        return True
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


def _what_it_is(text: str) -> str | None:
    """A word for what a non-JSON ``--set`` value looks like, for the error message
    (None: nothing Python reads either)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None
    kinds = (
        (ast.Call, "a call"),
        (ast.Attribute, "an attribute"),
        (ast.Subscript, "a subscript"),
        ((ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare), "an operator"),
        (ast.Name, "an unknown name"),
        (ast.Lambda, "a lambda"),
    )
    for node_type, word in kinds:
        if any(isinstance(n, node_type) for n in ast.walk(node)):
            return word
    return "a Python expression that is not JSON"


def parse_field_value(
    field: str, text: str, constants: dict[str, Any], matrix_path: str
) -> FieldValue:
    """``--set FIELD=VALUE``'s VALUE: JSON, or the name of a module-level constant."""
    if len(text) > 100_000:
        raise BadValueError(
            f"the value of {field} is too long ({len(text)} characters)"
        )
    if text in constants:
        return FieldValue(constants[text], text)
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        value = ...
    if value is not ... and _depth(value) > MAX_DEPTH:
        raise BadValueError(
            f"--set {field}: the value is nested {MAX_DEPTH}+ levels deep",
            "a matrix field holds flat lists and dicts",
        )
    if value is not ... and _is_json(value):
        return FieldValue(value)
    names = ", ".join(sorted(constants)) or "none here"
    what = _what_it_is(text)
    if not text.strip():
        message = f"--set {field}: the value is empty"
    elif what is None:
        message = f"--set {field}: {text[:60]!r} is neither JSON nor a constant's name"
    else:
        message = f"--set {field}: {what} is not accepted: {text[:60]!r}"
    raise BadValueError(
        message,
        'give JSON ({"a": "b"}, ["x"], "text", 3, true, null) or the name of a '
        f"module-level constant of {matrix_path} ({names})",
    )


def split_assignment(text: str) -> tuple[str, str]:
    """``FIELD=VALUE`` → (FIELD, VALUE)."""
    field, sep, value = text.partition("=")
    if not sep or not field.strip():
        raise BadValueError(
            f"--set takes FIELD=VALUE, not {text[:60]!r}",
            "for example --set translation_overrides='[\"fr\"]'",
        )
    return field.strip(), value


def conforms(value: Any, annotation: str) -> bool | None:
    """Whether the JSON ``value`` fits the field's annotation as types.py writes it
    (``list[str] | None``, ``Optional[dict[str, str]]``, ``str``...); None when the
    annotation names something olx cannot judge (a class of the project's own)."""
    try:
        node = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return None
    return _fits(value, node)


_SCALARS: dict[str, type | tuple[type, ...]] = {
    "str": str,
    "int": int,
    "float": (int, float),
    "bool": bool,
}


def _fits(value: Any, node: ast.expr) -> bool | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _any_fits(value, [node.left, node.right])
    if isinstance(node, ast.Constant) and node.value is None:
        return value is None
    name = node.id if isinstance(node, ast.Name) else None
    if isinstance(node, ast.Attribute):
        name = node.attr
    if name == "None":
        return value is None
    if name == "Any":
        return True
    if name in _SCALARS:
        if isinstance(value, bool) and name != "bool":
            return False
        return isinstance(value, _SCALARS[name])
    if name in ("list", "List", "dict", "Dict"):  # unparameterized
        return isinstance(value, list if name.startswith(("l", "L")) else dict)
    if not isinstance(node, ast.Subscript):
        return None
    outer = (
        node.value.id
        if isinstance(node.value, ast.Name)
        else getattr(node.value, "attr", None)
    )
    items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    if outer == "Optional":
        return True if value is None else _fits(value, items[0])
    if outer == "Union":
        return _any_fits(value, items)
    if outer in ("list", "List", "Sequence", "tuple", "Tuple"):
        if not isinstance(value, list):
            return False
        return _all_fit(value, items[0])
    if outer in ("dict", "Dict", "Mapping") and len(items) == 2:
        if not isinstance(value, dict):
            return False
        keys = _all_fit(list(value), items[0])
        vals = _all_fit(list(value.values()), items[1])
        return None if None in (keys, vals) else keys and vals
    return None


def _any_fits(value: Any, options: list[ast.expr]) -> bool | None:
    results = [_fits(value, option) for option in options]
    if any(results):
        return True
    return None if None in results else False


def _all_fit(values: list[Any], item: ast.expr) -> bool | None:
    results = [_fits(v, item) for v in values]
    if not all(r is not None for r in results):
        return None
    return all(results)
