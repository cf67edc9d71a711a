"""The contract in the repository (docs/contract.md) stays in step with the code.

The code and the tests cite the contract by file and section; a citation of a section
that does not exist, a file outside the repository, an error kind the contract's table
does not list (or lists with another exit code), or a command the contract never names
would each leave the next engineer following a reference to nowhere.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import typer.main

from olx import cli, errors

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CONTRACT = DOCS / "contract.md"


def headings(path: Path) -> set[str]:
    return {
        line.lstrip("#").strip()
        for line in path.read_text("utf-8").splitlines()
        if line.startswith("## ")
    }


def sources() -> list[Path]:
    return sorted((ROOT / "src").rglob("*.py")) + sorted((ROOT / "tests").glob("*.py"))


def test_every_cited_section_of_the_contract_exists():
    known = headings(CONTRACT)
    cited: dict[str, list[str]] = {}
    # docs/contract.md "Safety", docs/contract.md, "Safety", docs/contract.md ("Safety")
    pattern = re.compile(r'docs/contract\.md,?\s*\(?"([^"]+)"')
    for path in sources():
        text = re.sub(r"\s*\n\s*(#\s*)?", " ", path.read_text("utf-8"))
        for section in pattern.findall(text):
            cited.setdefault(section, []).append(path.name)
    assert cited, "no citation found: the pattern no longer matches how the code cites"
    missing = {s: files for s, files in cited.items() if s not in known}
    assert not missing, f"sections cited but not in docs/contract.md: {missing}"


def test_no_reference_points_outside_the_repository():
    outside = re.compile(r"\b(SPEC|FORMAT)\.md\b")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sources()
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if outside.search(line) and path.name != Path(__file__).name
    ]
    assert not offenders
    for name in ("contract.md", "file-shapes.md"):
        assert (DOCS / name).is_file()


def kinds_table() -> dict[str, int]:
    """``kind → exit code`` from the contract's table of error kinds."""
    rows = re.findall(r"^\| `([a-z-]+)` \| (\d) \|", CONTRACT.read_text("utf-8"), re.M)
    return {kind: int(code) for kind, code in rows}


def test_the_contract_lists_every_error_kind_with_its_exit_code():
    in_code = {
        cls.kind: cls.exit_code
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.OlxError) and cls.__module__ == errors.__name__
    }
    assert "unknown-name" in in_code and "busy" in in_code
    assert kinds_table() == in_code


def test_the_contract_names_every_command():
    text = CONTRACT.read_text("utf-8")
    app = cli._entry().app  # every command registered, as for ``olx --help``
    commands = list(typer.main.get_command(app).commands)
    assert len(commands) == sum(len(names) for _, names in cli.PANELS)
    unnamed = [c for c in commands if f"olx {c}" not in text]
    assert not unnamed, f"commands the contract never names: {unnamed}"


def test_the_file_shapes_page_links_resolve():
    for path in (CONTRACT, DOCS / "file-shapes.md"):
        for target, anchor in re.findall(
            r"\]\(([\w.-]+\.md)(?:#([\w-]+))?\)", path.read_text("utf-8")
        ):
            linked = DOCS / target
            assert linked.is_file(), (path.name, target)
            if anchor:
                slugs = {slug(h) for h in headings(linked)}
                assert anchor in slugs, (path.name, target, anchor)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces → ``-``."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
