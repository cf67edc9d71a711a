"""Build benchmark targets from olx's example matrix (standard library only).

``make_target(dest, scale)`` writes ``types.py`` and ``version_matrix.py`` under
``dest/src/bridge/settings/openedx/``. With ``scale=1`` they are the example files
verbatim. With a larger scale, the named (non-master) ``ReleaseMap`` blocks are copied
under synthetic releases ``r001``, ``r002``, ... until ``ReleaseMap`` is about ``scale``
times its original size; each synthetic release is also added to the release Enum, so
the result is still a valid matrix (the synthetic releases sort before the named ones,
are used by no stage, and their blocks come first, keeping the oldest-first order).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = REPO_ROOT / "src" / "olx" / "example"
TYPES_REL = Path("src/bridge/settings/openedx/types.py")
MATRIX_REL = Path("src/bridge/settings/openedx/version_matrix.py")

RELEASE_ENUM = "OpenEdxSupportedRelease"
NEWEST = {"master", "main"}


def example_sources() -> tuple[str, str]:
    """The example ``types.py`` and ``version_matrix.py`` shipped with olx."""
    types_src = (EXAMPLE_DIR / "types.py.txt").read_text(encoding="utf-8")
    matrix_src = (EXAMPLE_DIR / "version_matrix.py.txt").read_text(encoding="utf-8")
    return types_src, matrix_src


def _release_map_blocks(tree: ast.Module) -> list[tuple[str, int, int]]:
    """(key, first line, last line) of every ``ReleaseMap`` block, 1-based, in order."""
    for node in tree.body:
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Assign):
            targets = node.targets
        else:
            continue
        if not any(isinstance(t, ast.Name) and t.id == "ReleaseMap" for t in targets):
            continue
        if isinstance(node.value, ast.Dict):
            return [
                (key.value, key.lineno, val.end_lineno or val.lineno)
                for key, val in zip(node.value.keys, node.value.values, strict=True)
                if isinstance(key, ast.Constant)
            ]
    raise ValueError("version_matrix.py has no ReleaseMap dict literal")


def _release_enum_end(tree: ast.Module) -> tuple[int, dict[str, tuple[str, ...]]]:
    """Last line of the release Enum's last member, and every member's tuple."""
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == RELEASE_ENUM:
            members: dict[str, tuple[str, ...]] = {}
            end = 0
            for stmt in node.body:
                if (
                    isinstance(stmt, ast.Assign)
                    and isinstance(stmt.targets[0], ast.Name)
                    and isinstance(stmt.value, ast.Tuple)
                ):
                    members[stmt.targets[0].id] = tuple(
                        ast.literal_eval(elt) for elt in stmt.value.elts
                    )
                    end = stmt.end_lineno or stmt.lineno
            if members:
                return end, members
    raise ValueError(f"types.py has no {RELEASE_ENUM} members")


def _synthetic_member(name: str, template: tuple[str, ...]) -> str:
    """A release Enum member line for ``name`` with the same arity as ``template``."""
    old = template[0]
    branch = re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", name, template[1])
    fields = [name, branch, *template[2:]]
    return "    {} = ({})".format(name, ", ".join(f'"{f}"' for f in fields))


def _rename_block(lines: list[str], old: str, new: str) -> list[str]:
    """Copy a block from release ``old`` to ``new``, the way clone-release would.

    Replaces the key, ``release="old"`` and branch overrides naming ``old`` as a whole
    name or path segment (``"old"``, ``"mitx/old"``); pins to other releases and
    comments are kept.
    """
    pattern = re.compile(rf'(["/]){re.escape(old)}"')
    return [pattern.sub(rf'\g<1>{new}"', line) for line in lines]


def scale_sources(types_src: str, matrix_src: str, scale: int) -> tuple[str, str]:
    """Return (types, matrix) sources whose ReleaseMap is about ``scale`` times larger."""
    if scale <= 1:
        return types_src, matrix_src
    matrix_lines = matrix_src.splitlines(keepends=True)
    blocks = _release_map_blocks(ast.parse(matrix_src))
    named = [b for b in blocks if b[0] not in NEWEST]
    if not named:
        raise ValueError("ReleaseMap has no named release block to duplicate")
    original = sum(last - first + 1 for _, first, last in blocks)
    wanted = original * scale

    types_lines = types_src.splitlines(keepends=True)
    enum_end, members = _release_enum_end(ast.parse(types_src))
    by_value = {fields[0]: fields for fields in members.values()}

    new_blocks: list[str] = []
    new_members: list[str] = []
    size = original
    index = 0
    while size < wanted:
        key, first, last = named[index % len(named)]
        index += 1
        name = f"r{index:03d}"
        block = _rename_block(matrix_lines[first - 1 : last], key, name)
        new_blocks.extend(block)
        new_members.append(_synthetic_member(name, by_value[key]) + "\n")
        size += len(block)

    first_block_line = blocks[0][1]
    matrix_out = (
        matrix_lines[: first_block_line - 1]
        + new_blocks
        + matrix_lines[first_block_line - 1 :]
    )
    types_out = types_lines[:enum_end] + new_members + types_lines[enum_end:]
    return "".join(types_out), "".join(matrix_out)


def make_target(dest: Path, scale: int) -> Path:
    """Write a target repository (no git) at ``dest`` and return ``dest``.

    The matrix file is ``dest / MATRIX_REL`` and the types file ``dest / TYPES_REL``.
    """
    dest = Path(dest)
    types_src, matrix_src = scale_sources(*example_sources(), scale)
    for rel, text in ((TYPES_REL, types_src), (MATRIX_REL, matrix_src)):
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return dest
