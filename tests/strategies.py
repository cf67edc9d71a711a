"""Hypothesis strategies: whole version matrices in every shape of docs/file-shapes.md,
and random olx write commands against them.

``matrices(sound=True)`` draws a :class:`Generated` pair of sources: ``types.py`` with
the release Enum (``(str, Enum)`` or ``StrEnum``, two- or four-field members), the IDA
and MFE Enums and the entry model; ``version_matrix.py`` with the deployment Enum (two
or three stages, ``OpenEdxSupportedRelease["x"]`` or ``.x``), optional module-level
constants (with ``**`` merges) and ``ReleaseMap`` (oldest- or newest-first, ``master``
last). The layout is drawn too: one-line or exploded members and entries, keywords in
any order, ``# type: ignore`` and own-line comments, trailing commas, blank lines, CRLF
line endings and a UTF-8 byte order mark. A sound matrix passes ``olx check``; with
``sound=False`` stages, blocks and entries may break the invariants (but still import),
and a release or a deployment of a block may be given twice in ``ReleaseMap``.

The commands drawn against them are in :mod:`command_strategies`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

RELEASE_POOL = ("olive", "palm", "quince", "redwood", "sumac", "teak", "ulmo")
NEW_RELEASES = ("verawood", "willow", "yew", "zelkova", "quince", "sumac")
# (member, value, repository)
IDA_POOL = (
    ("edxapp", "edx-platform", "https://github.com/openedx/edx-platform"),
    ("forum", "forum", "https://github.com/openedx/forum"),
    ("notes", "notes-api", "https://github.com/openedx/edx-notes-api"),
    ("theme", "edxapp_theme", ""),
    ("xqueue", "xqueue", "https://github.com/openedx/xqueue"),
)
# (member, value, repository, path)
MFE_POOL = (
    ("learn", "learning", "https://github.com/openedx/frontend-app-learning", "learn"),
    (
        "gradebook",
        "gradebook",
        "https://github.com/openedx/frontend-app-gradebook",
        "gradebook",
    ),
    ("discuss", "discussions", "https://github.com/openedx/frontend-app-disc", "disc"),
    ("profile", "profile", "https://github.com/openedx/frontend-app-profile", "prof"),
)
NEW_APPS = (("IDA", "codejail"), ("IDA", "xqueue-watcher"), ("MFE", "account"))
DEPLOYMENT_POOL = ("campus", "campus-staging", "online", "pro")
STAGES = ("CI", "QA", "Production")
PYTHONS = ("3.8", "3.11", "3.12")
NODES = ("18", "20", "24")
OVERRIDE_FIELDS = ("branch_override", "origin_override", "runtime_version_override")
SHARED = {
    "@edx/frontend-component-footer@npm": "@example-org/footer@latest",
    "@edx/frontend-component-header@npm": "@example-org/header@1",
}
MERGED_EXTRA = {"@edx/brand@npm": "@example-org/brand@2"}


def rank(release: str) -> tuple[int, str]:
    """docs/contract.md's release order: named releases alphabetically, master/main
    newest."""
    return (1, "") if release in ("master", "main") else (0, release)


def q(text: str) -> str:
    """A double-quoted Python string literal (the files' quoting)."""
    return json.dumps(text, ensure_ascii=False)


@dataclass
class Generated:
    """Both sources, plus what the test needs to know without reading them."""

    types_src: str
    matrix_src: str
    sound: bool
    arity: int
    constants: dict[str, Any] = field(default_factory=dict)
    # Keys given a second time in ReleaseMap (unsound matrices only).
    duplicates: int = 0

    def __repr__(self) -> str:  # shown by hypothesis on failure: the real text
        return (
            f"Generated(sound={self.sound}, arity={self.arity},\n"
            f"types_src=\n{self.types_src}\nmatrix_src=\n{self.matrix_src})"
        )


class _Writer:
    """Draws the layout while it writes (``draw`` is hypothesis's)."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw

    def coin(self, p_true: float = 0.5) -> bool:
        return self.draw(st.integers(0, 99)) < p_true * 100

    def comment(self, indent: str, p: float = 0.2) -> list[str]:
        if not self.coin(p):
            return []
        texts = ["# A comment between the items.", "# Another, longer note: why."]
        return [indent + t for t in texts[: self.draw(st.integers(1, 2))]]

    def blanks(self, default: int) -> list[str]:
        return [""] * self.draw(st.sampled_from([default, default, default, 1, 3]))

    def tuple_member(self, indent: str, name: str, items: list[str]) -> list[str]:
        one = f"{indent}{name} = ({', '.join(q(i) for i in items)})"
        lines = self.comment(indent, 0.15)
        # One line only where ruff would keep it (a plain trailing comment counts).
        tail = "  # trailing note" if self.coin(0.1) else ""
        if len(one + tail) <= 88 and self.coin(0.6):
            return [*lines, one + tail]
        comma = "," if self.coin(0.9) else ""
        body = [f"{indent}    {q(i)}," for i in items]
        body[-1] = body[-1][:-1] + comma
        return [*lines, f"{indent}{name} = (", *body, f"{indent})"]


def _types_py(w: _Writer, spec: dict[str, Any]) -> str:
    strenum = spec["strenum"]
    base = "StrEnum" if strenum else "str, Enum"
    optional = w.coin(0.4) and not strenum
    out = ["# Generated by tests/strategies.py: the types of a version matrix."]
    imports = "from enum import Enum, StrEnum" if strenum else "from enum import Enum"
    out += [imports, "from typing import Literal, NamedTuple, Optional, Union", ""]
    out += ["from pydantic import BaseModel", "", ""]

    def app_enum(name: str, members: list[tuple[str, ...]], fields: list[str]) -> None:
        out.append(f"class {name}({base}):")
        out.extend(f"    {f}: str" for f in fields)
        params = ", ".join(f"{f}: str" for f in fields)
        out.extend(["", f"    def __new__(cls, value: str, {params}):"])
        out.append("        member = str.__new__(cls, value)")
        out.append("        member._value_ = value")
        out.extend(f"        member.{f} = {f}" for f in fields)
        out.extend(["        return member", ""])
        for member, *items in members:
            out.extend(w.tuple_member("    ", member, list(items)))
            if w.coin(0.1):
                out.append("")
        while out[-1] == "":
            out.pop()
        out.extend(["", ""])

    app_enum("OpenEdxApplication", spec["idas"], ["repository"])
    app_enum("OpenEdxMicroFrontend", spec["mfes"], ["repository", "path"])
    deps = ", ".join(q(d) for d in spec["deployments"])
    out += ['EnvStage = Literal["CI", "QA", "Production"]']
    out += ['OpenEdxApplicationType = Literal["MFE", "IDA"]']
    out += [f"OpenEdxDeploymentName = Literal[{deps}]", "", ""]

    arity = spec["arity"]
    names = ["branch", "python_version", "node_version"][: arity - 1]
    out.append(f"class OpenEdxSupportedRelease({base}):")
    out.extend(f"    {n}: str" for n in names)
    params = ", ".join(f"{n}: str" for n in names)
    out += ["", f"    def __new__(cls, release_name: str, {params}):"]
    out.append("        item = str.__new__(cls, release_name)")
    out.append("        item._value_ = release_name")
    out.extend(f"        item.{n} = {n}" for n in names)
    out += ["        return item", ""]
    if w.coin(0.5):
        out += ["    def __str__(self) -> str:", "        return str(self.value)", ""]
    for name, items in spec["releases"]:
        out.extend(w.tuple_member("    ", name, items))
    out += ["", ""]
    out += ["class EnvRelease(NamedTuple):", "    environment: EnvStage"]
    out += ["    edx_release: OpenEdxSupportedRelease", "", ""]
    out += ["class DeploymentEnvRelease(BaseModel):"]
    out += ["    deployment_name: OpenEdxDeploymentName"]
    out += ["    env_release_map: list[EnvRelease]", "", ""]
    out += ["class OpenEdxApplicationVersion(BaseModel):"]
    default = "" if optional and w.coin(0.5) else " = None"
    kinds = {
        "application": (
            "Union[OpenEdxApplication, OpenEdxMicroFrontend]"
            if optional
            else "OpenEdxApplication | OpenEdxMicroFrontend"
        ),
        "application_type": "OpenEdxApplicationType",
        "release": "OpenEdxSupportedRelease",
        "translation_overrides": "list[str]",
        "branding_overrides": "dict[str, str]",
    }
    for name in spec["fields"]:
        kind = kinds.get(name, "str")
        if name in ("application", "application_type", "release"):
            out.append(f"    {name}: {kind}")
        elif optional:
            out.append(f"    {name}: Optional[{kind}]{default}")
        else:
            out.append(f"    {name}: {kind} | None = None")
    return "\n".join(out) + "\n"


def _ref(w: _Writer, release: str, sound_names: set[str]) -> str:
    if release in sound_names and w.coin(0.4):
        return f"OpenEdxSupportedRelease.{release}"
    return f'OpenEdxSupportedRelease["{release}"]'


def _entry_values(w: _Writer, entry: dict[str, Any], spec: dict[str, Any]) -> list:
    """(keyword, source) pairs of one entry, in a drawn order."""
    app_member = spec["app_members"].get(entry["application"])
    app = q(entry["application"])
    if app_member and w.coin(0.25):
        enum, member = app_member
        app = f"{enum}.{member}" + (".value" if w.coin(0.3) else "")
    pairs = [("application", app), ("application_type", q(entry["application_type"]))]
    if entry.get("release") is not None:
        rel = entry["release"]
        text = q(rel)
        if rel in spec["release_names"] and w.coin(0.2):
            text = w.draw(
                st.sampled_from(
                    [
                        f"OpenEdxSupportedRelease.{rel}",
                        f'OpenEdxSupportedRelease["{rel}"]',
                        f"OpenEdxSupportedRelease.{rel}.value",
                    ]
                )
            )
        pairs.append(("release", text))
    if w.coin(0.3):
        pairs = w.draw(st.permutations(pairs))
    for name in spec["fields"]:
        if name in entry and name not in ("application", "application_type", "release"):
            value = entry[name]
            if name == "translation_overrides":
                pairs.append((name, "[" + ", ".join(q(v) for v in value) + "]"))
            elif name == "branding_overrides":
                pairs.append((name, entry["branding_source"]))
            else:
                pairs.append((name, q(value)))
    return pairs


def _entry_lines(w: _Writer, entry: dict[str, Any], spec: dict[str, Any]) -> list[str]:
    pairs = _entry_values(w, entry, spec)
    ind = " " * 12
    lines = w.comment(ind, 0.15)
    one = f"{ind}OpenEdxApplicationVersion(" + ", ".join(f"{k}={v}" for k, v in pairs)
    one += "),"
    if (len(one) <= 88 or spec["wide"]) and w.coin(0.35):
        tail = "  # type: ignore" if w.coin(0.15) else ""
        return [*lines, one + tail]
    body = []
    for k, v in pairs:
        tail = "  # type: ignore" if k == "application" and w.coin(0.15) else ""
        body.append(f"{ind}    {k}={v},{tail}")
    return [*lines, f"{ind}OpenEdxApplicationVersion(", *body, f"{ind}),"]


def _matrix_py(w: _Writer, spec: dict[str, Any]) -> str:
    names = set(spec["release_names"])
    out = ["# Generated by tests/strategies.py: stages and ReleaseMap."]
    out += ["from enum import Enum", "", "from bridge.settings.openedx.types import ("]
    for name in (
        "DeploymentEnvRelease",
        "EnvRelease",
        "OpenEdxApplication",
        "OpenEdxApplicationVersion",
        "OpenEdxDeploymentName",
        "OpenEdxMicroFrontend",
        "OpenEdxSupportedRelease",
    ):
        out.append(f"    {name},")
    out += [")", "", "", "class OpenLearningOpenEdxDeployment(Enum):"]
    for dep, stages in spec["stages"].items():
        out.append(f"    {dep.replace('-', '_')} = DeploymentEnvRelease(")
        out.append(f"        deployment_name={q(dep)},")
        items = [f"EnvRelease({q(s)}, {_ref(w, r, names)})" for s, r in stages]
        one = "        env_release_map=[" + ", ".join(items) + "],"
        if (len(one) <= 88 or spec["wide"]) and w.coin(0.3):
            out.append(one)
        else:
            out.append("        env_release_map=[")
            for item in items:
                out.extend(w.comment(" " * 12, 0.15))
                out.append(f"            {item},")
            out.append("        ],")
        out.append("    )")
    out += [
        "",
        "    @classmethod",
        "    def get_item(cls, key: str) -> DeploymentEnvRelease:",
    ]
    out += ['        return cls[key.replace("-", "_")].value']
    out += [""] * 2
    for name, source in spec["constant_sources"]:
        out.extend(w.comment("", 0.3))
        out.append(f"{name} = {source}")
        out.extend(w.blanks(1))
    out.extend(w.blanks(1)[1:] if spec["constant_sources"] else [])
    if w.coin(0.5):
        out.append(
            "ReleaseMap: dict[str, dict[str, list[OpenEdxApplicationVersion]]] = {"
        )
    else:
        noqa = "  # noqa: UP006" if w.coin(0.3) else ""
        out += [f"ReleaseMap: dict[{noqa}", "    OpenEdxSupportedRelease,"]
        out += ["    dict[OpenEdxDeploymentName, list[OpenEdxApplicationVersion]],"]
        out.append("] = {")
    for release, by_dep in spec["release_map"]:
        out.append(f"    {q(release)}: {{")
        for dep, entries in by_dep:
            out.append(f"        {q(dep)}: [")
            for entry in entries:
                out.extend(_entry_lines(w, entry, spec))
            out.append("        ],")
        out.append("    },")
    out.append("}")
    return "\n".join(out) + "\n"


def _finish_text(w: _Writer, text: str) -> str:
    if w.coin(0.2):
        text = text.replace("\n", "\r\n")
    if w.coin(0.15):
        text = "\ufeff" + text
    return text


@st.composite
def matrices(draw: Any, sound: bool = True) -> Generated:
    """Both files of a version matrix in a drawn shape and layout (see module doc)."""
    w = _Writer(draw)
    arity = draw(st.sampled_from([2, 4]))
    pattern = draw(
        st.sampled_from(["open-release/{}.master", "release/{}.master", "release/{}"])
    )
    named = sorted(draw(st.sets(st.sampled_from(RELEASE_POOL), min_size=1, max_size=4)))
    releases = []
    for name in named:
        items = [name, pattern.format(name)]
        if arity == 4:
            items += [draw(st.sampled_from(PYTHONS)), draw(st.sampled_from(NODES))]
        releases.append((name, items))
    master = ["master", "master", "3.12", "24"][:arity]
    order = draw(st.sampled_from(["master_first", "master_last", "shuffled"]))
    if order == "master_first":
        releases = [("master", master), *releases]
    elif order == "master_last":
        releases = [*releases, ("master", master)]
    else:
        releases = draw(st.permutations([*releases, ("master", master)]))
    release_names = [r for r, _ in releases]
    by_rank = sorted(release_names, key=rank)

    idas = draw(
        st.lists(st.sampled_from(IDA_POOL), min_size=1, max_size=4, unique=True)
    )
    mfes = draw(
        st.lists(st.sampled_from(MFE_POOL), min_size=1, max_size=3, unique=True)
    )
    if draw(st.booleans()):
        idas, mfes = sorted(idas), sorted(mfes)
    apps = [(v, "IDA") for _, v, _ in idas] + [(v, "MFE") for _, v, _, _ in mfes]
    app_members = {v: ("OpenEdxApplication", m) for m, v, _ in idas}
    app_members.update({v: ("OpenEdxMicroFrontend", m) for m, v, _, _ in mfes})

    head = draw(
        st.sampled_from(
            [
                ["application", "application_type", "release"],
                ["application", "release", "application_type"],
            ]
        )
    )
    extra = ["branch_override", "origin_override", "runtime_version_override"]
    if draw(st.booleans()):
        extra.append("translation_overrides")
    branding = draw(st.booleans())
    if branding:
        extra.insert(draw(st.integers(0, len(extra))), "branding_overrides")
    fields = head + extra

    constants: dict[str, Any] = {}
    constant_sources: list[tuple[str, str]] = []
    if branding and draw(st.booleans()):
        constants["SHARED_OVERRIDES"] = dict(SHARED)
        constant_sources.append(
            (
                "SHARED_OVERRIDES",
                "{" + ", ".join(f"{q(k)}: {q(v)}" for k, v in SHARED.items()) + "}",
            )
        )
        if draw(st.booleans()):
            constants["CAMPUS_OVERRIDES"] = {**SHARED, **MERGED_EXTRA}
            ((k, v),) = MERGED_EXTRA.items()
            constant_sources.append(
                ("CAMPUS_OVERRIDES", f"{{**SHARED_OVERRIDES, {q(k)}: {q(v)}}}")
            )

    deployments = sorted(
        draw(st.sets(st.sampled_from(DEPLOYMENT_POOL), min_size=1, max_size=3))
    )
    stages: dict[str, list[tuple[str, str]]] = {}
    for dep in deployments:
        names = list(STAGES) if draw(st.booleans()) else ["QA", "Production"]
        if sound:
            picks = sorted(
                (draw(st.sampled_from(by_rank)) for _ in names), key=rank, reverse=True
            )
        else:
            picks = [draw(st.sampled_from(release_names)) for _ in names]
        stages[dep] = list(zip(names, picks, strict=True))

    needed: dict[str, set[str]] = {}
    for dep, pairs in stages.items():
        for _, rel in pairs:
            if sound or draw(st.booleans()):
                needed.setdefault(rel, set()).add(dep)
    for rel in release_names:
        if draw(st.integers(0, 3)) == 0:
            needed.setdefault(rel, set()).add(draw(st.sampled_from(deployments)))
    if not sound and draw(st.booleans()):
        needed.setdefault("retired", set()).add(deployments[0])
    if not needed:
        needed[release_names[0]] = {deployments[0]}

    newest_first = draw(st.booleans())
    block_order = sorted(needed, key=rank, reverse=newest_first)
    if newest_first and "master" in block_order:
        block_order.remove("master")
        block_order.append("master")

    release_map = []
    for rel in block_order:
        by_dep = []
        for dep in [d for d in deployments if d in needed[rel]]:
            chosen = draw(
                st.lists(st.sampled_from(apps), min_size=1, max_size=4, unique=True)
            )
            if not sound and draw(st.integers(0, 4)) == 0:
                chosen.append(chosen[0])  # a duplicate (rule 5)
            if draw(st.booleans()):
                chosen.sort()
            entries = []
            for value, kind in chosen:
                entry: dict[str, Any] = {"application": value, "application_type": kind}
                if not sound and draw(st.integers(0, 6)) == 0:
                    entry["application_type"] = "MFE" if kind == "IDA" else "IDA"
                pin = rel
                if (
                    rel != "master"
                    and "master" in release_names
                    and draw(st.integers(0, 7)) == 0
                ):
                    pin = "master"
                if sound or draw(st.integers(0, 6)):
                    entry["release"] = pin
                if draw(st.integers(0, 2)) == 0:
                    entry["branch_override"] = draw(
                        st.sampled_from([f"{dep}/{rel}", rel, f"release/{rel}"])
                    )
                if draw(st.integers(0, 3)) == 0:
                    entry["origin_override"] = f"https://github.com/example-org/{value}"
                if draw(st.integers(0, 4)) == 0:
                    entry["runtime_version_override"] = draw(
                        st.sampled_from(PYTHONS + NODES)
                    )
                if "translation_overrides" in fields and draw(st.integers(0, 3)) == 0:
                    entry["translation_overrides"] = draw(
                        st.lists(
                            st.sampled_from(["fr", "es", "pt-br"]),
                            max_size=2,
                            unique=True,
                        )
                    )
                if branding and draw(st.integers(0, 2)) == 0:
                    _branding(draw, entry, constants)
                entries.append(entry)
            by_dep.append((dep, entries))
        release_map.append((rel, by_dep))

    duplicates = 0
    if not sound and draw(st.integers(0, 3)) == 0:
        duplicates = _duplicate_keys(draw, release_map)

    wide = draw(st.integers(0, 4)) == 0
    spec = {
        "strenum": draw(st.booleans()),
        "arity": arity,
        "releases": releases,
        "release_names": release_names,
        "idas": idas,
        "mfes": mfes,
        "app_members": app_members,
        "deployments": deployments,
        "fields": fields,
        "stages": stages,
        "constant_sources": constant_sources,
        "release_map": release_map,
        "wide": wide,
    }
    types_src = _finish_text(w, _types_py(w, spec))
    matrix_src = _finish_text(w, _matrix_py(w, spec))
    return Generated(types_src, matrix_src, sound, arity, constants, duplicates)


def _duplicate_keys(draw: Any, release_map: list) -> int:
    """Give a release, or a deployment of a block, a second time (Python keeps the
    last value at the first key's place); returns how many keys were repeated."""
    repeated = 0
    if draw(st.booleans()):
        release, _ = draw(st.sampled_from(release_map))
        _, value = draw(st.sampled_from(release_map))  # any block's lists
        at = draw(st.integers(0, len(release_map)))
        release_map.insert(at, (release, list(value)))
        repeated += 1
    if draw(st.booleans()) or not repeated:
        index = draw(st.integers(0, len(release_map) - 1))
        release, by_dep = release_map[index]
        dep, _ = draw(st.sampled_from(by_dep))
        others = [entries for _, lists in release_map for _, entries in lists]
        entries = draw(st.sampled_from(others))
        at = draw(st.integers(0, len(by_dep)))
        release_map[index] = (release, [*by_dep[:at], (dep, entries), *by_dep[at:]])
        repeated += 1
    return repeated


def _branding(draw: Any, entry: dict[str, Any], constants: dict[str, Any]) -> None:
    options = ["inline", "empty"] + [f"name:{n}" for n in constants]
    if "SHARED_OVERRIDES" in constants:
        options.append("merge")
    how = draw(st.sampled_from(options))
    if how.startswith("name:"):
        entry["branding_source"] = how[5:]
    elif how == "empty":
        entry["branding_source"] = "{}"
    elif how == "merge":
        entry["branding_source"] = '{**SHARED_OVERRIDES, "@edx/brand@npm": "x@1"}'
    else:
        entry["branding_source"] = '{"@edx/brand@npm": "@example-org/brand@3"}'
    entry["branding_overrides"] = True
