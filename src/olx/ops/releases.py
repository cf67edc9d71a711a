"""``olx add-release`` and ``olx set-release``: members of the release Enum.

A release is added as one member after the last, in the members' arity and style (it is
retired by :mod:`olx.ops.retire`, block and member in one change). ``set-release``
changes the branch or runtime strings of a member and nothing else of it.
"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from olx.core import names
from olx.core import values as check_value
from olx.core.model import NEWEST_NAMES, Matrix, Release, release_rank
from olx.core.reader import RELEASE_ENUM
from olx.edit.change import (
    Change,
    Workspace,
    combine,
    expected_of,
    finish,
    nothing_to_do,
)
from olx.edit.members import (
    find_member,
    first_quote,
    member_indexes,
    member_text,
    refuse_member_name,
    set_items,
)
from olx.edit.splice import edit_class_body, rewrite_statement
from olx.errors import BadValueError, SafetyError, UsageError
from olx.ops.clone import clone_release, differences


def newest_named(releases: list[Release]) -> Release | None:
    named = [r for r in releases if r.name not in NEWEST_NAMES]
    return max(named, key=lambda r: release_rank(r.name)) if named else None


def add_release(
    ws: Workspace,
    name: str,
    branch: str | None = None,
    python: str | None = None,
    node: str | None = None,
    clone_from: str | None = None,
) -> Change:
    """Plan ``olx add-release NAME [--branch B] [--python V] [--node V] [--clone-from OLD]``."""
    model = ws.model
    check_value.validate_release_name(name)
    _validate(branch, python, node)
    args = [name] + ([f"from-{clone_from}"] if clone_from else [])
    summary = f"Add release {name}" + (
        f", cloned from {clone_from}" if clone_from else ""
    )
    existing = model.types.release(name)
    if existing is None:
        _refuse_member_name(model, name)
        step = _add_member(ws, name, branch, python, node, args, summary)
    else:
        _refuse_other_fields(existing, branch, python, node)
        why = f"release {name} is already supported"
        step = nothing_to_do(ws, "add-release", args, summary, why)
    if clone_from is None:
        return step
    if existing is not None and model.matrix.block(existing.name) is not None:
        # Both halves are there (a runbook run again): a no-op that says whether the
        # block still is what a clone of OLD would make.
        why = f"release {name} and ReleaseMap[{name!r}] already exist"
        why += _clone_note(ws, clone_from, name)
        return nothing_to_do(ws, "add-release", args, summary, why)
    cloned = clone_release(ws.after(step), clone_from, name)
    return combine(ws, "add-release", args, summary, [step, cloned])


def _validate(branch: str | None, python: str | None, node: str | None) -> None:
    """The release branch and runtime versions given, valid."""
    if branch is not None:
        check_value.validate_branch(branch)
    if python is not None:
        check_value.validate_runtime(python, "Python version")
    if node is not None:
        check_value.validate_runtime(node, "Node.js version")


def _refuse_member_name(model: Matrix, name: str) -> None:
    """A new release's member name is no other member's."""
    taken = next((r for r in model.types.releases if r.member == name), None)
    if taken is not None:
        raise BadValueError(
            f"{RELEASE_ENUM} already has a member named {name} (value {taken.name!r})",
            "a second member of that name would not import",
        )


def _refuse_other_fields(
    existing: Release, branch: str | None, python: str | None, node: str | None
) -> None:
    """add-release of a release that is there: every field given must agree."""
    asked = {"branch": branch, "Python": python, "Node.js": node}
    have = {
        "branch": existing.branch,
        "Python": existing.python_version,
        "Node.js": existing.node_version,
    }
    differ = [k for k, v in asked.items() if v is not None and v != have[k]]
    if differ:
        options = {"branch": "--branch", "Python": "--python", "Node.js": "--node"}
        command = " ".join(f"{options[k]} {asked[k]}" for k in differ)
        raise BadValueError(
            f"release {existing.name} is already supported with another "
            + ", ".join(f"{k} ({have[k]})" for k in differ),
            f"change it with olx set-release {existing.name} {command}",
        )


def _clone_note(ws: Workspace, old: str, new: str) -> str:
    """Whether ``ReleaseMap[NEW]`` still equals a clone of ``ReleaseMap[OLD]``."""
    model = ws.model
    old_block = model.matrix.block(old)
    if old_block is None:
        return f" (ReleaseMap[{old!r}] is gone: nothing to compare with): nothing to do"
    new_block = model.matrix.block(new)
    assert new_block is not None
    in_old = [d.deployment for d in old_block.deployments]
    in_new = [d.deployment for d in new_block.deployments]
    differ = differences(model, old, new, in_old)
    extra = [d for d in in_new if d not in in_old]
    if not differ and not extra:
        return f" and the block still equals a clone of {old}: nothing to do"
    parts = []
    if differ:
        parts.append(", ".join(differ))
    if extra:
        parts.append(f"{', '.join(extra)} (not in {old})")
    return (
        f"; nothing to do, though the block differs from a clone of {old} now: "
        + "; ".join(parts)
    )


def _add_member(
    ws: Workspace,
    name: str,
    branch: str | None,
    python: str | None,
    node: str | None,
    args: list[str],
    summary: str,
) -> Change:
    """The release Enum member of a new release, after the last member."""
    model = ws.model
    warnings = _release_branch_warnings(name, branch)
    values = _member_values(model, name, branch, python, node)
    stmt = model.types.release_stmt
    new_types = rewrite_statement(ws.types_src, stmt, _InsertRelease(name, values))
    expected = expected_of(model)
    expected["releases"].append(
        {
            "name": name,
            "member": name,
            "branch": values[1],
            "python_version": values[2] if len(values) == 4 else None,
            "node_version": values[3] if len(values) == 4 else None,
        }
    )
    detail = f"{RELEASE_ENUM}.{name}: " + ", ".join(values[1:])
    change = Change(
        "add-release",
        args,
        summary,
        new_types,
        ws.matrix_src,
        details=[detail],
        warnings=warnings,
    )
    return finish(ws, change, expected)


def _release_branch_warnings(name: str, branch: str | None) -> list[str]:
    """A warning when the release branch given does not name the release: --branch
    here is the release's branch, and a commit branch typed by habit would otherwise
    land silently in the Enum."""
    if branch is not None and (
        branch.startswith("olx/")
        or not re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", branch)
    ):
        return [
            f"the release branch {branch!r} does not name {name}; "
            "the commit branch of add-release is --git-branch"
        ]
    return []


def _member_values(
    model: Matrix,
    name: str,
    branch: str | None,
    python: str | None,
    node: str | None,
) -> list[str]:
    """The new member's items, as many as the members have (two or four); the
    branch and runtimes not given are the newest named release's, renamed."""
    releases = model.types.releases
    template = newest_named(releases)
    arities = {r.arity for r in releases}
    arity = arities.pop() if len(arities) == 1 else (template.arity if template else 4)
    if branch is None:
        branch = _inferred_branch(name, template)
    if arity != 4:
        if python is not None or node is not None:
            raise UsageError(
                f"the members of {RELEASE_ENUM} have two fields here (name, branch)",
                "drop --python/--node",
            )
        return [name, branch]
    python = python or (template.python_version if template else None)
    node = node or (template.node_version if template else None)
    if python is None or node is None:
        raise UsageError(
            f"cannot infer the runtime versions of {name}",
            "pass --python and --node",
        )
    return [name, branch, python, node]


def _inferred_branch(name: str, template: Release | None) -> str:
    """The template release's branch with its name replaced by ``name``."""
    if (
        template is None
        or template.branch is None
        or not re.search(names.word_pattern(template.name), template.branch)
    ):
        raise UsageError(
            f"cannot infer the branch of {name} from the existing releases",
            "pass --branch",
        )
    branch = re.sub(names.word_pattern(template.name), name, template.branch)
    return check_value.validate_branch(branch)


class _InsertRelease:
    """Adds member ``name`` after the release Enum's last member, in its quotes."""

    def __init__(self, name: str, values: list[str]) -> None:
        self.name = name
        self.values = values

    def insert(self, body: list[Any]) -> list[Any]:
        refuse_member_name(
            self.name, body, RELEASE_ENUM, "choose another name for the release"
        )
        members = member_indexes(body)
        if not members:
            raise SafetyError(f"{RELEASE_ENUM} has no members to follow")
        last = members[-1]
        text = member_text(self.name, self.values, first_quote(body[last]), 4)
        return [*body[: last + 1], cst.parse_statement(text), *body[last + 1 :]]

    def __call__(self, module: cst.Module) -> cst.Module:
        return edit_class_body(module, self.insert, RELEASE_ENUM)


def set_release(
    ws: Workspace,
    name: str,
    branch: str | None = None,
    python: str | None = None,
    node: str | None = None,
) -> Change:
    """Plan ``olx set-release NAME [--branch B] [--python V] [--node V]``."""
    if branch is None and python is None and node is None:
        raise UsageError("nothing to set", "pass --branch, --python and/or --node")
    model = ws.model
    release = names.release(model, name)
    _validate(branch, python, node)
    if release.arity != 4 and (python is not None or node is not None):
        raise UsageError(
            f"{RELEASE_ENUM}.{release.member} has two fields here (name, branch)",
            "drop --python/--node",
        )
    # Item index in the member's tuple → (label, current value, asked value).
    fields = {
        1: ("branch", release.branch, branch),
        2: ("Python", release.python_version, python),
        3: ("Node.js", release.node_version, node),
    }
    changes = {i: new for i, (_, old, new) in fields.items() if new not in (None, old)}
    args = [release.name]
    asked = [f"{label} {new}" for label, _, new in fields.values() if new is not None]
    summary = f"Set {', '.join(asked)} of release {release.name}"
    if not changes:
        why = f"release {release.name} is already so"
        return nothing_to_do(ws, "set-release", args, summary, why)
    new_types = rewrite_statement(
        ws.types_src, release.stmt, _SetReleaseItems(release, changes)
    )
    details = [
        f"{RELEASE_ENUM}.{release.member}: {fields[i][0]} {fields[i][1]} → {new}"
        for i, new in changes.items()
    ]
    change = Change(
        "set-release",
        args,
        summary,
        new_types,
        ws.matrix_src,
        details=details,
        warnings=_commit_branch_warnings(changes),
    )
    return finish(ws, change, _expected_items(model, release, changes))


def _commit_branch_warnings(changes: dict[int, str]) -> list[str]:
    """--branch here is the release's branch; a commit branch typed by habit would
    otherwise land silently in the Enum."""
    if 1 in changes and changes[1].startswith("olx/"):
        return [
            f"the release branch {changes[1]!r} looks like an olx commit branch; "
            "the commit branch of set-release is --git-branch"
        ]
    return []


class _SetReleaseItems:
    """Changes the items of one release member (1 branch, 2 Python, 3 Node.js)."""

    def __init__(self, release: Release, changes: dict[int, str]) -> None:
        self.release = release
        self.changes = changes

    def change_member(self, body: list[Any]) -> list[Any]:
        i = find_member(body, self.release.member, RELEASE_ENUM)
        body[i] = set_items(body[i], self.changes, self.release.span.start_col)
        return body

    def __call__(self, module: cst.Module) -> cst.Module:
        return edit_class_body(module, self.change_member, RELEASE_ENUM)


def _expected_items(
    model: Matrix, release: Release, changes: dict[int, str]
) -> dict[str, Any]:
    expected = expected_of(model)
    keys = {1: "branch", 2: "python_version", 3: "node_version"}
    expected["releases"] = [
        {**r, **{keys[i]: v for i, v in changes.items()}}
        if r["member"] == release.member
        else r
        for r in expected["releases"]
    ]
    return expected
