"""Read ``types.py`` and ``version_matrix.py`` as source into the model.

Built on the standard library's :mod:`ast` so that a read costs about what Python's own
parser costs: olx reads on every command, and the write side re-reads every rewrite with
this module to verify it independently of libcst, which made the edit. The files are
never imported or executed.
"""

from __future__ import annotations

import ast

from olx.core.evaluate import Evaluator
from olx.core.model import (
    DEFAULT_ENTRY_FIELDS,
    AppEntry,
    Application,
    Deployment,
    DeploymentBlock,
    DuplicateKey,
    Matrix,
    MatrixModel,
    Release,
    ReleaseBlock,
    Span,
    StageRelease,
    Statement,
    TypesModel,
)
from olx.errors import ShapeError

RELEASE_ENUM = "OpenEdxSupportedRelease"
IDA_ENUM = "OpenEdxApplication"
MFE_ENUM = "OpenEdxMicroFrontend"
ENTRY_MODEL = "OpenEdxApplicationVersion"
DEPLOYMENT_ENUM = "OpenLearningOpenEdxDeployment"
RELEASE_MAP = "ReleaseMap"


def span_of(node: ast.stmt | ast.expr) -> Span:
    """Where ``node`` is (a parsed node's end is always known: ``or`` is for the
    type only)."""
    end_line = node.end_lineno or node.lineno
    end_col = node.end_col_offset or node.col_offset
    return Span(node.lineno, node.col_offset, end_line, end_col)


def parse(source: str, path: str) -> ast.Module:
    """Parse ``source``; a syntax error becomes a :class:`ShapeError` naming file:line."""
    # A UTF-8 byte order mark is kept in the text (and so written back) but is not
    # Python source.
    source = source.removeprefix("\ufeff")
    try:
        return ast.parse(source, filename=path)
    except SyntaxError as exc:
        raise ShapeError(
            path,
            exc.lineno,
            f"syntax error: {exc.msg}",
            "fix the file, then run olx again",
        ) from None
    except ValueError as exc:  # e.g. NUL bytes
        raise ShapeError(path, None, f"cannot parse: {exc}") from None


def statements(module: ast.Module) -> list[tuple[ast.stmt, Statement]]:
    """Each top-level statement with its line range (decorators included)."""
    out = []
    for index, node in enumerate(module.body):
        start = node.lineno
        for deco in getattr(node, "decorator_list", ()):
            start = min(start, deco.lineno)
        out.append((node, Statement(index, start, node.end_lineno or node.lineno)))
    return out


def _name_of(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _members(cls: ast.ClassDef, path: str) -> list[tuple[str, ast.expr, ast.stmt]]:
    """Enum members: ``name = value`` assignments in the class body (not ``_private``).

    A name defined twice fails at import (``TypeError``), so it is a shape error here.
    """
    out: list[tuple[str, ast.expr, ast.stmt]] = []
    seen: set[str] = set()
    for node in cls.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and not node.targets[0].id.startswith("_")
        ):
            name = node.targets[0].id
            if name in seen:
                raise ShapeError(
                    path, node.lineno, f"{cls.name}.{name} is defined twice"
                )
            seen.add(name)
            out.append((name, node.value, node))
    return out


def _find_class(module: ast.Module, name: str) -> tuple[ast.ClassDef, Statement] | None:
    for node, stmt in statements(module):
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node, stmt
    return None


def _string_tuple(ev: Evaluator, value: ast.expr, what: str) -> list[str]:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [value.value]
    if not isinstance(value, ast.Tuple):
        raise ev.fail(value, f"{what} member is not a tuple")
    items = [ev.eval(elt) for elt in value.elts]
    if not items or not all(isinstance(item, str) for item in items):
        raise ev.fail(value, f"{what} member is not a tuple of strings")
    return items


def read_types(source: str, path: str) -> TypesModel:
    """Read the release Enum, the application Enums and the entry model's fields."""
    module = parse(source, path)
    ev = Evaluator(path, {})
    found = _find_class(module, RELEASE_ENUM)
    if found is None:
        raise ShapeError(
            path, None, f"no class {RELEASE_ENUM}", "is --types the right file?"
        )
    cls, release_stmt = found
    releases = []
    for member, value, node in _members(cls, path):
        given = _string_tuple(ev, value, RELEASE_ENUM)
        if len(given) not in (2, 4):
            raise ev.fail(value, f"{RELEASE_ENUM} member with {len(given)} fields")
        # Two fields (name, branch) or four (with the Python and Node.js versions).
        versions: list[str | None] = [*given[2:], None, None][:2]
        releases.append(
            Release(
                name=given[0],
                member=member,
                branch=given[1],
                python_version=versions[0],
                node_version=versions[1],
                arity=len(given),
                span=span_of(node),
                stmt=release_stmt,
            )
        )

    applications: list[Application] = []
    for enum_name, app_type in ((IDA_ENUM, "IDA"), (MFE_ENUM, "MFE")):
        found = _find_class(module, enum_name)
        if found is None:
            continue
        cls, stmt = found
        for member, value, node in _members(cls, path):
            items = _string_tuple(ev, value, enum_name)
            applications.append(
                Application(
                    value=items[0],
                    member=member,
                    type=app_type,
                    repository=items[1] if len(items) > 1 else None,
                    path=items[2] if app_type == "MFE" and len(items) > 2 else None,
                    span=span_of(node),
                    stmt=stmt,
                )
            )

    fields: tuple[str, ...] = DEFAULT_ENTRY_FIELDS
    annotations: dict[str, str] = {}
    found = _find_class(module, ENTRY_MODEL)
    if found is not None:
        for node in found[0].body:
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and not node.target.id.startswith("_")
                and node.target.id != "model_config"
                and "ClassVar" not in ast.unparse(node.annotation)
            ):
                annotations[node.target.id] = ast.unparse(node.annotation)
        if annotations:
            fields = tuple(annotations)

    return TypesModel(
        path=path,
        releases=releases,
        applications=applications,
        entry_fields=fields,
        release_stmt=release_stmt,
        field_types=annotations,
        tree=module,
    )


def _enums_of(types: TypesModel) -> dict[str, dict[str, str]]:
    return {
        RELEASE_ENUM: {r.member: r.name for r in types.releases},
        IDA_ENUM: {a.member: a.value for a in types.applications if a.type == "IDA"},
        MFE_ENUM: {a.member: a.value for a in types.applications if a.type == "MFE"},
    }


def _call_args(
    ev: Evaluator, call: ast.Call, names: tuple[str, ...]
) -> dict[str, ast.expr]:
    """Map positional and keyword arguments of ``call`` onto ``names``; an argument
    given twice (which ``ast`` parses but Python refuses) is a shape error."""
    args = dict(zip(names, call.args, strict=False))
    for kw in call.keywords:
        if kw.arg is not None:
            if kw.arg in args:
                raise ev.fail(
                    call,
                    f"argument {kw.arg!r} given twice",
                    "Python refuses an argument given twice: keep one",
                )
            args[kw.arg] = kw.value
    return args


def _stage_release(ev: Evaluator, node: ast.expr, deployment: str) -> str:
    ref = ev.enum_member(node)
    if ref is not None and ref[0] == RELEASE_ENUM:
        members = ev.enums[RELEASE_ENUM]
        # An unknown member is kept by name: ``olx check`` reports it (invariant 1).
        return members.get(ref[1], ref[1])
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise ShapeError(
        ev.path,
        node.lineno,
        f"the release of a stage of {deployment!r} is not a release reference: "
        f"{ast.unparse(node)[:60]}",
        f'write it as {RELEASE_ENUM}["<release>"]',
    )


def _read_deployments(
    ev: Evaluator, cls: ast.ClassDef, stmt: Statement
) -> list[Deployment]:
    deployments = []
    for member, value, node in _members(cls, ev.path):
        if not isinstance(value, ast.Call):
            raise ev.fail(
                value, f"{DEPLOYMENT_ENUM}.{member} is not a DeploymentEnvRelease"
            )
        args = _call_args(ev, value, ("deployment_name", "env_release_map"))
        if "deployment_name" not in args or "env_release_map" not in args:
            raise ev.fail(
                value, "DeploymentEnvRelease without deployment_name/env_release_map"
            )
        name = ev.eval(args["deployment_name"])
        if not isinstance(name, str):
            raise ev.fail(args["deployment_name"], "deployment_name is not a string")
        env_map = args["env_release_map"]
        if not isinstance(env_map, ast.List):
            raise ev.fail(env_map, f"env_release_map of {name!r} is not a list")
        stages: list[StageRelease] = []
        for item in env_map.elts:
            if not isinstance(item, ast.Call) or _name_of(item.func) != "EnvRelease":
                raise ev.fail(
                    item, f"an env_release_map item of {name!r} is not EnvRelease"
                )
            eargs = _call_args(ev, item, ("environment", "edx_release"))
            if "environment" not in eargs or "edx_release" not in eargs:
                raise ev.fail(item, "EnvRelease needs a stage and a release")
            stage = ev.eval(eargs["environment"])
            if not isinstance(stage, str):
                raise ev.fail(eargs["environment"], "a stage that is not a string")
            if any(s.stage == stage for s in stages):
                # Which one would the pipelines use? A write would change both.
                raise ev.fail(
                    item,
                    f"stage {stage!r} of {name!r} is listed twice",
                    "keep one EnvRelease per stage",
                )
            release_node = eargs["edx_release"]
            stages.append(
                StageRelease(
                    stage,
                    _stage_release(ev, release_node, name),
                    span_of(release_node),
                    stmt,
                )
            )
        deployments.append(Deployment(name, member, stages, span_of(node), stmt))
    return deployments


def _read_release_map(
    ev: Evaluator, value: ast.expr, stmt: Statement, fields: tuple[str, ...]
) -> tuple[list[ReleaseBlock], list[DuplicateKey]]:
    """The blocks as Python builds the dict: a key given again keeps the first key's
    place and takes the last value (each repeat is also returned, for check and the
    writes, which refuse such a file)."""
    if not isinstance(value, ast.Dict):
        raise ev.fail(value, f"{RELEASE_MAP} is not a dict literal")
    blocks: dict[str, ReleaseBlock] = {}
    duplicates: list[DuplicateKey] = []
    for key, deps in zip(value.keys, value.values, strict=True):
        if key is None:
            raise ev.fail(deps, f"** merge in {RELEASE_MAP}")
        release = ev.eval(key)
        if not isinstance(release, str):
            raise ev.fail(key, f"a {RELEASE_MAP} key that is not a string")
        if not isinstance(deps, ast.Dict):
            raise ev.fail(deps, f"{RELEASE_MAP}[{release!r}] is not a dict literal")
        dep_blocks: dict[str, DeploymentBlock] = {}
        for dkey, entries in zip(deps.keys, deps.values, strict=True):
            if dkey is None:
                raise ev.fail(entries, f"** merge in {RELEASE_MAP}[{release!r}]")
            deployment = ev.eval(dkey)
            if not isinstance(deployment, str):
                raise ev.fail(dkey, "a deployment key that is not a string")
            if not isinstance(entries, ast.List):
                raise ev.fail(
                    entries, f"{RELEASE_MAP}[{release!r}][{deployment!r}] is not a list"
                )
            items = [_entry(ev, call, stmt, fields) for call in entries.elts]
            span = span_of(dkey)
            first = dep_blocks.get(deployment)
            if first is not None:
                duplicates.append(
                    DuplicateKey(
                        f"{RELEASE_MAP}[{release!r}]",
                        deployment,
                        first.span.start_line,
                        span.start_line,
                    )
                )
                span = first.span
            dep_blocks[deployment] = DeploymentBlock(
                deployment, items, span, stmt, span_of(entries)
            )
        span = span_of(key)
        first_block = blocks.get(release)
        if first_block is not None:
            duplicates.append(
                DuplicateKey(
                    RELEASE_MAP, release, first_block.span.start_line, span.start_line
                )
            )
            span = first_block.span
        blocks[release] = ReleaseBlock(release, list(dep_blocks.values()), span, stmt)
    return list(blocks.values()), duplicates


def _entry(
    ev: Evaluator, call: ast.expr, stmt: Statement, fields: tuple[str, ...]
) -> AppEntry:
    if not isinstance(call, ast.Call) or _name_of(call.func) != ENTRY_MODEL:
        raise ev.fail(call, f"an entry that is not {ENTRY_MODEL}(...)")
    if call.args:
        raise ev.fail(call, f"{ENTRY_MODEL} with positional arguments")
    values = {}
    lines: dict[str, int] = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise ev.fail(kw.value, f"** in {ENTRY_MODEL}")
        if kw.arg in lines:
            # Python refuses the file; a write would edit one of the two.
            raise ev.fail(
                call,
                f"keyword {kw.arg!r} given twice",
                "Python refuses a keyword given twice: keep one",
            )
        lines[kw.arg] = kw.lineno
        if kw.arg in fields:
            values[kw.arg] = ev.eval(kw.value)
    undeclared = tuple(
        kw.arg for kw in call.keywords if kw.arg is not None and kw.arg not in fields
    )
    return AppEntry(values, span_of(call), stmt, undeclared, lines)


def read_matrix(source: str, path: str, types: TypesModel) -> MatrixModel:
    """Read the deployment Enum and ``ReleaseMap`` (values resolved against ``types``)."""
    module = parse(source, path)
    constants: dict[str, ast.expr] = {}
    deployments: list[Deployment] = []
    deployment_stmt = release_map_stmt = None
    map_value: ast.expr | None = None
    for node, stmt in statements(module):
        if isinstance(node, ast.ClassDef) and node.name == DEPLOYMENT_ENUM:
            deployment_stmt = stmt
            dep_node = node
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and value is not None:
            if target.id == RELEASE_MAP:
                release_map_stmt, map_value = stmt, value
            else:
                constants[target.id] = value
    ev = Evaluator(path, _enums_of(types), constants)
    if deployment_stmt is None:
        raise ShapeError(
            path, None, f"no class {DEPLOYMENT_ENUM}", "is --matrix the right file?"
        )
    deployments = _read_deployments(ev, dep_node, deployment_stmt)
    if release_map_stmt is None or map_value is None:
        raise ShapeError(
            path, None, f"no {RELEASE_MAP} assignment", "is --matrix the right file?"
        )
    blocks, duplicates = _read_release_map(
        ev, map_value, release_map_stmt, types.entry_fields
    )
    return MatrixModel(
        path,
        deployments,
        blocks,
        deployment_stmt,
        release_map_stmt,
        constant_names=tuple(constants),
        evaluate_constant=lambda name: ev.constant(ast.Name(id=name)),
        duplicate_keys=tuple(duplicates),
    )


def read_sources(
    types_src: str, matrix_src: str, types_path: str, matrix_path: str
) -> Matrix:
    """Read both files from their text."""
    types = read_types(types_src, types_path)
    return Matrix(types, read_matrix(matrix_src, matrix_path, types))
