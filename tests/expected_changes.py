"""The test's own reckoning of what each olx write must change in the model.

Property 2 of test_properties.py compares every write's new model with the old one
through these functions, written from docs/contract.md and the command's arguments
alone, never with olx's own expectation code.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from command_strategies import Command
from strategies import STAGES, rank


def entry_list(model: dict[str, Any], rel: str, dep: str) -> list[dict[str, Any]]:
    return model["release_map"][rel][dep]


def _deployment(model: dict[str, Any], name: str) -> dict[str, Any]:
    return next(d for d in model["deployments"] if name in (d["name"], d["member"]))


def _subsequence(short: list[Any], long: list[Any]) -> bool:
    it = iter(long)
    return all(any(x == y for y in it) for x in short)


def _field_value(text: str, constants: dict[str, Any]) -> Any:
    name, _, value = text.partition("=")
    return name, constants[value] if value in constants else json.loads(value)


def _expect_promote(cmd: Command, old: dict, new: dict) -> None:
    dep_name, stage_text, release = cmd.args
    dep = _deployment(old, dep_name)
    stage = next(s for s in STAGES if s.lower() == stage_text.lower())
    if release is None:
        present = [s for s in STAGES if s in dep["stages"]]
        release = dep["stages"][present[present.index(stage) - 1]]
    expected = copy.deepcopy(old)
    _deployment(expected, dep_name)["stages"][stage] = release
    assert new == expected
    changed = [
        (d["name"], s)
        for d, e in zip(old["deployments"], new["deployments"], strict=True)
        for s in d["stages"]
        if d["stages"][s] != e["stages"][s]
    ]
    assert len(changed) == 1


def _rename(branch: str | None, old: str, new: str) -> str | None:
    if branch is None:
        return None
    return re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, branch)


def _cloned(entries: list[dict], old: str, new: str) -> list[dict]:
    out = []
    for entry in entries:
        entry = dict(entry)
        if entry["release"] == old:
            entry["release"] = new
        if "branch_override" in entry:  # remove-field may have taken it
            entry["branch_override"] = _rename(entry["branch_override"], old, new)
        out.append(entry)
    return out


def _expect_clone(old: dict, new: dict, src: str, dst: str, deps: list | None) -> None:
    block = old["release_map"][src]
    wanted = deps if deps else list(block)
    before = old["release_map"].get(dst, {})
    after = new["release_map"][dst]
    for dep in wanted:
        if dep in before:
            assert after[dep] == before[dep]
        else:
            assert after[dep] == _cloned(block[dep], src, dst)
    assert set(after) == set(before) | set(wanted)
    assert [d for d in after if d in before] == list(before)
    others = [k for k in new["release_map"] if k != dst]
    assert others == [k for k in old["release_map"] if k != dst]
    for key in others:
        assert new["release_map"][key] == old["release_map"][key]


def _expect_add_release(cmd: Command, old: dict, new: dict) -> None:
    (name,) = cmd.args
    kw = cmd.kwargs
    if name in [r["name"] for r in old["releases"]]:
        # Already a member with these values: only the block is cloned.
        assert new["releases"] == old["releases"]
        _expect_clone(old, new, kw["clone_from"], name, None)
        return
    assert new["releases"][:-1] == old["releases"]
    added = new["releases"][-1]
    assert (added["name"], added["member"]) == (name, name)
    named = sorted(
        (r for r in old["releases"] if r["name"] not in ("master", "main")),
        key=lambda r: rank(r["name"]),
    )
    newest = named[-1] if named else None
    if "branch" in kw:
        assert added["branch"] == kw["branch"]
    elif newest is not None:
        assert added["branch"] == _rename(newest["branch"], newest["name"], name)
    four = old["releases"][0]["python_version"] is not None
    for key, field in (("python", "python_version"), ("node", "node_version")):
        if not four:
            assert added[field] is None
        elif key in kw:
            assert added[field] == kw[key]
        elif newest is not None:
            assert added[field] == newest[field]
    assert new["deployments"] == old["deployments"]
    assert new["applications"] == old["applications"]
    if kw.get("clone_from"):
        _expect_clone(old, new, kw["clone_from"], name, None)
    else:
        assert new["release_map"] == old["release_map"]


def _expect_set_release(cmd: Command, old: dict, new: dict) -> None:
    (name,) = cmd.args
    keys = {"branch": "branch", "python": "python_version", "node": "node_version"}
    expected = copy.deepcopy(old)
    member = next(r for r in expected["releases"] if r["name"] == name)
    for key, value in cmd.kwargs.items():
        member[keys[key]] = value
    assert new == expected


def _expect_retire(cmd: Command, old: dict, new: dict) -> None:
    (name,) = cmd.args
    kw = cmd.kwargs
    expected = copy.deepcopy(old)
    if kw.get("deployments"):
        block = expected["release_map"][name]
        for dep in kw["deployments"]:
            del block[dep]
        if not block:
            del expected["release_map"][name]
    else:
        if not kw.get("enum_only"):
            expected["release_map"].pop(name, None)
        if not kw.get("block_only"):
            expected["releases"] = [r for r in old["releases"] if r["name"] != name]
    assert new == expected


def _expect_add_app(cmd: Command, old: dict, new: dict) -> None:
    value, kind, repository = cmd.args
    kw = cmd.kwargs
    assert {k: v for k, v in new.items() if k != "applications"} == {
        k: v for k, v in old.items() if k != "applications"
    }
    mine_old = [a for a in old["applications"] if a["type"] == kind]
    mine_new = [a for a in new["applications"] if a["type"] == kind]
    others = [a for a in old["applications"] if a["type"] != kind]
    ida_first = [a for a in new["applications"] if a["type"] == "IDA"]
    assert new["applications"] == ida_first + [
        a for a in new["applications"] if a["type"] == "MFE"
    ]
    assert [a for a in new["applications"] if a["type"] != kind] == others
    assert len(mine_new) == len(mine_old) + 1
    assert _subsequence(mine_old, mine_new)
    (added,) = [a for a in mine_new if a not in mine_old]
    assert added == {
        "value": value,
        "member": kw.get("member", value.replace("-", "_")),
        "type": kind,
        "repository": repository,
        "path": kw.get("path", value) if kind == "MFE" else None,
    }


def _expect_set_app(cmd: Command, old: dict, new: dict) -> None:
    (value,) = cmd.args
    expected = copy.deepcopy(old)
    app = next(a for a in expected["applications"] if a["value"] == value)
    app.update(cmd.kwargs)
    assert new == expected


def _expect_remove_app(cmd: Command, old: dict, new: dict) -> None:
    (value,) = cmd.args
    expected = copy.deepcopy(old)
    expected["applications"] = [a for a in old["applications"] if a["value"] != value]
    for by_dep in expected["release_map"].values():
        for dep, entries in by_dep.items():
            by_dep[dep] = [e for e in entries if e["application"] != value]
    assert new == expected


def _new_entry(
    old: dict, cmd: Command, constants: dict, added: dict[str, Any]
) -> dict[str, Any]:
    app, rel, _ = cmd.args
    kw = cmd.kwargs
    # The declared fields, as an entry shows them (with no entry left, as the added
    # one does: the JSON holds them nowhere else).
    fields = next(
        (
            list(e)
            for by in old["release_map"].values()
            for es in by.values()
            for e in es
        ),
        list(added),
    )
    entry: dict[str, Any] = dict.fromkeys(fields)
    kind = next(a["type"] for a in old["applications"] if a["value"] == app)
    entry.update(application=app, application_type=kind, release=kw.get("pin", rel))
    for option, name in (
        ("branch", "branch_override"),
        ("origin", "origin_override"),
        ("runtime", "runtime_version_override"),
    ):
        if name in fields:  # remove-field may have taken it
            entry[name] = kw.get(option)
    for text in kw.get("sets", []):
        name, value = _field_value(text, constants)
        entry[name] = value
    return entry


def _expect_enable(cmd: Command, old: dict, new: dict, constants: dict) -> None:
    _, rel, dep = cmd.args
    expected = copy.deepcopy(old)
    expected["release_map"][rel][dep] = new["release_map"][rel][dep]
    assert new == expected
    before, after = entry_list(old, rel, dep), entry_list(new, rel, dep)
    assert len(after) == len(before) + 1
    assert _subsequence(before, after)
    added = next(e for i, e in enumerate(after) if i >= len(before) or e != before[i])
    assert added == _new_entry(old, cmd, constants, added)


def _expect_disable(cmd: Command, old: dict, new: dict) -> None:
    app, rel, dep = cmd.args
    expected = copy.deepcopy(old)
    entries = entry_list(expected, rel, dep)
    entries.remove(next(e for e in entries if e["application"] == app))
    assert new == expected


def _expect_override(cmd: Command, old: dict, new: dict, constants: dict) -> None:
    rel, dep, app = cmd.args
    expected = copy.deepcopy(old)
    entry = next(e for e in entry_list(expected, rel, dep) if e["application"] == app)
    for key, value in cmd.kwargs.items():
        if key == "sets":
            for text in value:
                name, parsed = _field_value(text, constants)
                entry[name] = parsed
        elif key == "unsets":
            for name in value:
                entry[name] = None
        elif key == "no_pin":
            entry["release"] = rel
        elif key == "pin":
            entry["release"] = value
        else:
            field = {"branch": "branch_override", "origin": "origin_override"}.get(
                key.removeprefix("no_"), "runtime_version_override"
            )
            entry[field] = None if key.startswith("no_") else value
    assert new == expected


def _entries_of(model: dict) -> list[dict[str, Any]]:
    return [e for by in model["release_map"].values() for es in by.values() for e in es]


def _expect_add_field(cmd: Command, old: dict, new: dict) -> None:
    name, _ = cmd.args
    expected = copy.deepcopy(old)
    for entry in _entries_of(expected):
        entry[name] = None  # a new key, after every other
    assert new == expected
    assert all(list(e)[-1] == name for e in _entries_of(new))


def _expect_remove_field(cmd: Command, old: dict, new: dict) -> None:
    (name,) = cmd.args
    assert name not in ("application", "application_type", "release")
    expected = copy.deepcopy(old)
    for entry in _entries_of(expected):
        del entry[name]
    assert new == expected


def _expect_rename(cmd: Command, old: dict, new: dict) -> None:
    value, renamed = cmd.args
    expected = copy.deepcopy(old)
    app = next(
        a for a in expected["applications"] if value in (a["value"], a["member"])
    )
    was, app["value"] = app["value"], renamed
    if "repository" in cmd.kwargs:
        app["repository"] = cmd.kwargs["repository"]
    for entry in _entries_of(expected):
        if entry["application"] == was:
            entry["application"] = renamed
    assert new == expected


def expect_exactly(cmd: Command, old: dict, new: dict, constants: dict) -> None:
    """``new`` is ``old`` changed exactly as ``cmd`` says (docs/contract.md's wording,
    checked from the JSON only)."""
    family = cmd.family
    if family == "promote":
        _expect_promote(cmd, old, new)
    elif family == "add_release":
        _expect_add_release(cmd, old, new)
    elif family == "set_release":
        _expect_set_release(cmd, old, new)
    elif family == "clone_release":
        src, dst = cmd.args
        _expect_clone(old, new, src, dst, cmd.kwargs.get("deployments"))
        assert new["releases"] == old["releases"]
        assert new["deployments"] == old["deployments"]
    elif family == "retire":
        _expect_retire(cmd, old, new)
    elif family == "add_app":
        _expect_add_app(cmd, old, new)
    elif family == "set_app":
        _expect_set_app(cmd, old, new)
    elif family == "remove_app":
        _expect_remove_app(cmd, old, new)
    elif family == "enable_app":
        _expect_enable(cmd, old, new, constants)
    elif family == "disable_app":
        _expect_disable(cmd, old, new)
    elif family == "add_field":
        _expect_add_field(cmd, old, new)
    elif family == "remove_field":
        _expect_remove_field(cmd, old, new)
    elif family == "rename_app":
        _expect_rename(cmd, old, new)
    else:
        _expect_override(cmd, old, new, constants)
