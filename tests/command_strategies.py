"""Hypothesis strategies: random olx write commands against a generated matrix.

``commands(model_json, ...)`` draws a :class:`Command` of one of olx's write families,
with arguments taken from the model (``valid=True``) or, mixed in, arbitrary text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from strategies import NEW_APPS, NEW_RELEASES, NODES, OVERRIDE_FIELDS, PYTHONS


@dataclass
class Command:
    """One olx write, as a call of its planning function."""

    family: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    def run(self, ws: Any) -> Any:
        return FUNCTIONS[self.family](ws, *self.args, **self.kwargs)

    def __repr__(self) -> str:
        parts = [repr(a) for a in self.args] + [
            f"{k}={v!r}" for k, v in self.kwargs.items()
        ]
        return f"{self.family}(ws, {', '.join(parts)})"


def _functions() -> dict[str, Any]:
    from olx.ops.add_field import add_field
    from olx.ops.apps import add_app, set_app
    from olx.ops.clone import clone_release
    from olx.ops.entries import disable_app, enable_app, override
    from olx.ops.promote import promote
    from olx.ops.releases import add_release, set_release
    from olx.ops.remove_app import remove_app
    from olx.ops.remove_field import remove_field
    from olx.ops.rename_app import rename_app
    from olx.ops.retire import retire

    return {
        "promote": promote,
        "add_release": add_release,
        "set_release": set_release,
        "clone_release": clone_release,
        "retire": retire,
        "add_app": add_app,
        "set_app": set_app,
        "remove_app": remove_app,
        "enable_app": enable_app,
        "disable_app": disable_app,
        "override": override,
        "add_field": add_field,
        "remove_field": remove_field,
        "rename_app": rename_app,
    }


FUNCTIONS = _functions()
FAMILIES = tuple(FUNCTIONS)

# Arbitrary text, for the "nothing but olx's own errors escape" property.
NASTY = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "master,",
            ",",
            "a\nb",
            "x\x00y",
            "class",
            "None",
            "{}",
            "[1]",
            "null",
            "../etc",
            "release/ ",
            "3.",
            "ftp://x",
            "-",
            "é",
            "\u200b",
        ]
    ),
)


def _entries(model: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (rel, dep, entry)
        for rel, by_dep in model["release_map"].items()
        for dep, entries in by_dep.items()
        for entry in entries
    ]


@st.composite
def commands(draw: Any, model: dict[str, Any], valid: bool = True) -> Command:
    """A command of a drawn family with arguments from ``model`` (a ``to_json()``);
    with ``valid=False`` any argument may instead be arbitrary text."""

    def pick(options: list[Any] | tuple[Any, ...]) -> Any:
        if not valid and draw(st.integers(0, 3)) == 0:
            return draw(NASTY)
        if not options:
            return draw(NASTY) if not valid else "nothing"
        return draw(st.sampled_from(list(options)))

    def maybe(strategy: Any, p: int = 2) -> Any:
        return draw(strategy) if draw(st.integers(0, p - 1)) == 0 else None

    releases = [r["name"] for r in model["releases"]]
    arity4 = any(r["python_version"] is not None for r in model["releases"])
    deps = [d["name"] for d in model["deployments"]]
    blocks = list(model["release_map"])
    apps = model["applications"]
    entries = _entries(model)
    lists = [(r, d) for r, by in model["release_map"].items() for d in by]
    unavailable = set()
    if not entries:
        unavailable |= {"disable_app", "override"}
    if not apps:
        unavailable |= {"set_app", "enable_app", "rename_app"}
    if not lists:
        unavailable.add("enable_app")
    family = draw(st.sampled_from([f for f in FAMILIES if f not in unavailable]))
    runtimes = st.sampled_from(PYTHONS + NODES)

    if family == "promote":
        dep = draw(st.sampled_from(deps))
        stages = list(
            next(d for d in model["deployments"] if d["name"] == dep)["stages"]
        )
        stage = pick(stages)
        if draw(st.booleans()):
            stage = stage.lower()
        return Command(family, (pick(deps), stage, pick([*releases, None])), {})
    if family == "add_release":
        name = pick(NEW_RELEASES)
        kwargs: dict[str, Any] = {}
        if draw(st.booleans()):
            kwargs["branch"] = pick([f"release/{name}", f"open-release/{name}.master"])
        if arity4 or not valid:
            for key in ("python", "node"):
                value = maybe(runtimes)
                if value is not None:
                    kwargs[key] = value
        if blocks and draw(st.booleans()):
            kwargs["clone_from"] = pick(blocks)
        return Command(family, (name,), kwargs)
    if family == "set_release":
        name = pick(releases)
        kwargs = {}
        if draw(st.booleans()) or not arity4:
            kwargs["branch"] = pick([f"release/{name}.x", "master", f"release/{name}"])
        if arity4 or not valid:
            for key in ("python", "node"):
                value = maybe(runtimes)
                if value is not None:
                    kwargs[key] = value
        return Command(family, (name,), kwargs)
    if family == "clone_release":
        old = pick(blocks)
        kwargs = {}
        if old in model["release_map"] and draw(st.booleans()):
            kwargs["deployments"] = [pick(list(model["release_map"][old]))]
        return Command(family, (old, pick(releases)), kwargs)
    if family == "retire":
        name = pick(releases + blocks)
        mode = draw(st.sampled_from(["both", "block_only", "enum_only", "deployments"]))
        kwargs = {}
        if mode == "deployments":
            listed = list(model["release_map"].get(name, {})) or deps
            kwargs["deployments"] = [pick(listed)]
        elif mode != "both":
            kwargs[mode] = True
        return Command(family, (name,), kwargs)
    if family == "add_app":
        kind, value = draw(st.sampled_from(NEW_APPS))
        kind = pick([kind])
        kwargs = {}
        if kind == "MFE" and draw(st.booleans()):
            kwargs["path"] = pick([value, "acct"])
        if draw(st.integers(0, 3)) == 0:
            kwargs["member"] = pick([value.replace("-", "_") + "_app"])
        repo = pick([f"https://github.com/openedx/{value}"])
        return Command(family, (pick([value]), kind, repo), kwargs)
    if family == "set_app":
        app = draw(st.sampled_from(apps))
        kwargs = {}
        if app["type"] == "IDA" or draw(st.booleans()):
            kwargs["repository"] = pick([f"https://github.com/fork/{app['value']}"])
        if app["type"] == "MFE" and (not kwargs or draw(st.booleans())):
            kwargs["path"] = pick(["newpath", app["value"]])
        return Command(family, (pick([app["value"]]),), kwargs)
    if family == "remove_app":
        return Command(family, (pick([a["value"] for a in apps]),), {})
    if family == "add_field":
        fields = list(entries[0][2]) if entries else ["translation_overrides"]
        name = pick(["audience", "notes", "json", *fields])
        kind = pick(["list[str] | None", "dict[str, str]|None", "Optional[str]", "str"])
        return Command(family, (name, kind), {})
    if family == "remove_field":
        fields = list(entries[0][2]) if entries else []
        return Command(family, (pick([*fields, "branding_overrides", "audience"]),), {})
    if family == "rename_app":
        app = draw(st.sampled_from(apps))
        new = pick([f"{app['value']}-next", "renamed", *(a["value"] for a in apps)])
        kwargs = {}
        if app["repository"] and draw(st.booleans()):
            kwargs["repository"] = pick([f"https://github.com/openedx/{new}"])
        return Command(family, (pick([app["value"], app["member"]]), new), kwargs)
    if family == "disable_app":
        rel, dep, entry = draw(st.sampled_from(entries))
        return Command(
            family, (pick([entry["application"]]), pick([rel]), pick([dep])), {}
        )
    if family == "enable_app":
        app = draw(st.sampled_from(apps))
        rel, dep = draw(st.sampled_from(lists))
        kwargs = {}
        if draw(st.integers(0, 3)) == 0:
            kwargs["pin"] = pick(releases)
        if draw(st.integers(0, 3)) == 0:
            kwargs["branch"] = pick([f"{dep}/{rel}"])
        if draw(st.integers(0, 3)) == 0:
            kwargs["origin"] = pick([f"https://github.com/example-org/{app['value']}"])
        if draw(st.integers(0, 4)) == 0:
            kwargs["runtime"] = draw(runtimes)
        sets = _sets(draw, model, pick)
        if sets:
            kwargs["sets"] = sets
        return Command(family, (pick([app["value"]]), pick([rel]), pick([dep])), kwargs)
    # override
    rel, dep, entry = draw(st.sampled_from(entries))
    kwargs = {}
    option = draw(
        st.sampled_from(["branch", "origin", "runtime", "pin", "set", "unset"])
    )
    if option in ("branch", "origin", "runtime", "pin") and draw(st.booleans()):
        kwargs[f"no_{option}"] = True
    elif option == "branch":
        kwargs["branch"] = pick([f"{dep}/{rel}.x", "hotfix", rel])
    elif option == "origin":
        kwargs["origin"] = pick(["https://github.com/fork/x"])
    elif option == "runtime":
        kwargs["runtime"] = draw(runtimes)
    elif option == "pin":
        kwargs["pin"] = pick(releases)
    elif option == "set":
        kwargs["sets"] = _sets(draw, model, pick) or ["branch_override=null"]
    else:
        field_names = _settable(model)
        kwargs["unsets"] = [pick(field_names or ["translation_overrides"])]
    return Command(
        family, (pick([rel]), pick([dep]), pick([entry["application"]])), kwargs
    )


def _settable(model: dict[str, Any]) -> list[str]:
    fields = next(
        (list(e) for _, _, e in _entries(model)),
        [],
    )
    skip = {"application", "application_type", "release", *OVERRIDE_FIELDS}
    return [f for f in fields if f not in skip]


def _sets(draw: Any, model: dict[str, Any], pick: Any) -> list[str]:
    fields = _settable(model)
    if not fields or draw(st.booleans()):
        return []
    name = draw(st.sampled_from(fields))
    if name == "translation_overrides":
        value = pick(['["fr"]', '["es", "de"]', "null", "[]"])
    else:
        value = pick(['{"@edx/brand@npm": "b@1"}', "SHARED_OVERRIDES", "{}", "null"])
    return [f"{name}={value}"]
