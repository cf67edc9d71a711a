"""An independent oracle for ``olx show --json``: it *executes* a fixture's files.

olx reads the version matrix as source with :mod:`ast`. This module does what the real
infrastructure code does instead: it runs ``types.py`` and ``version_matrix.py`` with
Python, under their real module names, against a tiny stand-in for ``pydantic``, and
builds the docs/contract.md ``show --json`` object from the live Enum members and model
objects. The stand-in coerces what pydantic coerces: a field whose annotation names
Enums (``Union[A, B]``, ``A | B``, ``Optional[A]``) holds the member of the first of
them that has the value, so that the model's own properties (``git_origin``,
``release_branch``, ``runtime_version``), called by :func:`model_values`, see what they
see in the pipelines. It deliberately does not import olx.
"""

from __future__ import annotations

import sys
import types as pytypes
import typing
from enum import Enum
from pathlib import Path
from typing import Any

TYPES_MODULE = "bridge.settings.openedx.types"
MATRIX_MODULE = "bridge.settings.openedx.version_matrix"
PARENTS = ("bridge", "bridge.settings", "bridge.settings.openedx")
HEAD_FIELDS = ("application", "application_type", "release")

_MISSING = object()


def _annotated_fields(cls: type) -> list[str]:
    """Annotated field names of ``cls`` and its bases, base classes first."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name in vars(klass).get("__annotations__", {}):
            if name not in names and not name.startswith("_"):
                names.append(name)
    return names


def _enum_choices(hint: Any) -> list[type[Enum]] | None:
    """The Enums a field's type hint lets pydantic coerce to, in order; None when the
    hint names no Enum, or mixes Enums with other types (left as given)."""
    if typing.get_origin(hint) in (typing.Union, pytypes.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
    else:
        args = [hint]
    enums = [a for a in args if isinstance(a, type) and issubclass(a, Enum)]
    return enums if enums and len(enums) == len(args) else None


def _coerce(hint: Any, value: Any) -> Any:
    """What pydantic stores: the member of the first Enum that holds the value (a
    value no Enum holds, which pydantic refuses, is kept as given)."""
    choices = _enum_choices(hint)
    if value is None or choices is None:
        return value
    for enum in choices:
        try:
            return enum(value)
        except ValueError:
            continue
    return value


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except Exception:  # an annotation that does not evaluate: nothing is coerced
        return {}


class _StubBaseModel:
    """Just enough of ``pydantic.BaseModel``: fields from kwargs (Enum fields
    coerced), defaults or None."""

    def __init__(self, **kwargs: Any) -> None:
        hints = _hints(type(self))
        for name in _annotated_fields(type(self)):
            if name in kwargs:
                value = _coerce(hints.get(name), kwargs[name])
            else:
                value = getattr(type(self), name, _MISSING)
                if value is _MISSING or isinstance(value, property):
                    value = None
            object.__setattr__(self, name, value)


def _stub_pydantic() -> pytypes.ModuleType:
    module = pytypes.ModuleType("pydantic")
    module.BaseModel = _StubBaseModel  # type: ignore[attr-defined]
    return module


def _package(name: str) -> pytypes.ModuleType:
    module = pytypes.ModuleType(name)
    module.__path__ = []  # type: ignore[attr-defined]
    return module


def _exec_module(
    name: str, path: Path, source: str | None = None
) -> pytypes.ModuleType:
    module = pytypes.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    if source is None:
        source = path.read_text(encoding="utf-8")
    code = compile(source, str(path), "exec")
    exec(code, module.__dict__)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)
    return module


def _plain(value: Any) -> Any:
    """What the value looks like in JSON: Enum members become their values."""
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def load(fixture_dir: str | Path) -> tuple[pytypes.ModuleType, pytypes.ModuleType]:
    """Execute both files; return (types module, matrix module).

    Everything put into ``sys.modules`` (the stub ``pydantic``, the ``bridge`` packages
    and both modules) is removed again, and whatever was there before is restored.
    """
    return _load(Path(fixture_dir), None)


def load_sources(
    types_src: str, matrix_src: str
) -> tuple[pytypes.ModuleType, pytypes.ModuleType]:
    """Execute two source texts as :func:`load` executes files.

    The texts are what olx reads (decoded UTF-8, line endings kept): a byte order mark
    is dropped, as Python's own import drops it when it decodes a file.
    """
    return _load(
        Path("."), (types_src.removeprefix("\ufeff"), matrix_src.removeprefix("\ufeff"))
    )


def _load(
    fixture_dir: Path, texts: tuple[str, str] | None
) -> tuple[pytypes.ModuleType, pytypes.ModuleType]:
    names = ("pydantic", *PARENTS, TYPES_MODULE, MATRIX_MODULE)
    saved = {name: sys.modules[name] for name in names if name in sys.modules}
    try:
        sys.modules["pydantic"] = _stub_pydantic()
        for name in PARENTS:
            sys.modules[name] = _package(name)
            parent, _, child = name.rpartition(".")
            if parent:
                setattr(sys.modules[parent], child, sys.modules[name])
        types_src, matrix_src = texts if texts is not None else (None, None)
        types_mod = _exec_module(TYPES_MODULE, fixture_dir / "types.py", types_src)
        matrix_mod = _exec_module(
            MATRIX_MODULE, fixture_dir / "version_matrix.py", matrix_src
        )
    finally:
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    return types_mod, matrix_mod


def oracle(fixture_dir: str | Path) -> dict[str, Any]:
    """The ``olx show --json`` object for the fixture, computed by running it."""
    return _show_json(*load(fixture_dir))


def oracle_with_model(
    fixture_dir: str | Path,
) -> tuple[dict[str, Any], dict[tuple[str, str], list[dict[str, Any]]]]:
    """:func:`oracle`'s object and :func:`model_values_of` the executed fixture."""
    types_mod, matrix_mod = load(fixture_dir)
    return _show_json(types_mod, matrix_mod), model_values_of(matrix_mod)


def oracle_of_sources(types_src: str, matrix_src: str) -> dict[str, Any]:
    """The ``olx show --json`` object for two source texts, computed by running them."""
    return _show_json(*load_sources(types_src, matrix_src))


def _show_json(
    types_mod: pytypes.ModuleType, matrix_mod: pytypes.ModuleType
) -> dict[str, Any]:
    releases = [
        {
            "name": _plain(member.value),
            "member": member.name,
            "branch": getattr(member, "branch", None),
            "python_version": getattr(member, "python_version", None),
            "node_version": getattr(member, "node_version", None),
        }
        for member in types_mod.OpenEdxSupportedRelease
    ]

    applications = []
    for enum_name, app_type in (
        ("OpenEdxApplication", "IDA"),
        ("OpenEdxMicroFrontend", "MFE"),
    ):
        enum_cls = getattr(types_mod, enum_name, None)
        if enum_cls is None:
            continue
        for member in enum_cls:
            applications.append(
                {
                    "value": _plain(member.value),
                    "member": member.name,
                    "type": app_type,
                    "repository": getattr(member, "repository", None),
                    "path": getattr(member, "path", None)
                    if app_type == "MFE"
                    else None,
                }
            )

    deployments = []
    for member in matrix_mod.OpenLearningOpenEdxDeployment:
        dep = member.value
        deployments.append(
            {
                "name": dep.deployment_name,
                "member": member.name,
                "stages": {
                    _plain(env.environment): _plain(env.edx_release)
                    for env in dep.env_release_map
                },
            }
        )

    declared = _annotated_fields(types_mod.OpenEdxApplicationVersion)
    fields = [f for f in HEAD_FIELDS if f in declared]
    fields += [f for f in declared if f not in fields]
    release_map = {
        _plain(release): {
            _plain(deployment): [
                {f: _plain(getattr(entry, f, None)) for f in fields}
                for entry in entries
            ]
            for deployment, entries in by_deployment.items()
        }
        for release, by_deployment in matrix_mod.ReleaseMap.items()
    }

    return {
        "releases": releases,
        "applications": applications,
        "deployments": deployments,
        "release_map": release_map,
    }


# Resolved value → the model's property that the pipelines read.
PROPERTIES = {
    "origin": "git_origin",
    "branch": "release_branch",
    "runtime": "runtime_version",
}


def model_values(entry: Any) -> dict[str, Any]:
    """``{origin|branch|runtime: value}`` from the entry's own properties, for each
    property its class has; a property that raises gives None (so does one that is
    a method, or returns something that is not data)."""
    out: dict[str, Any] = {}
    for key, name in PROPERTIES.items():
        if not hasattr(type(entry), name) and name not in vars(entry):
            continue
        try:
            value = getattr(entry, name)
        except Exception:
            value = None
        if callable(value) and not isinstance(value, str):
            value = None
        out[key] = _plain_member(value)
    return out


def _plain_member(value: Any) -> Any:
    """A member as the pipelines use it: its string (str Enum) or its value."""
    if isinstance(value, Enum):
        return str.__str__(value) if isinstance(value, str) else _plain(value.value)
    return _plain(value)


def model_values_of(
    matrix_mod: pytypes.ModuleType,
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """:func:`model_values` of every entry, by (release, deployment), in order."""
    return {
        (_plain(release), _plain(deployment)): [model_values(e) for e in entries]
        for release, by_deployment in matrix_mod.ReleaseMap.items()
        for deployment, entries in by_deployment.items()
    }


if __name__ == "__main__":  # pragma: no cover - manual inspection
    import json

    for arg in sys.argv[1:]:
        print(json.dumps(oracle(arg), indent=2))
