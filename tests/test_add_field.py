"""``olx add-field NAME TYPE``: before/after pairs on every fixture shape, the
annotation rules, refusals, the layouts ruff gives a long declaration, and the CLI
(remove-field: test_remove_field.py).

Every result is also run by the executing oracle: the new files import, and mean what
olx says they mean.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import git
import pytest
from conftest import example_paths, invoke
from oracle import oracle_of_sources
from rewrite_support import assert_ruff_clean, replace_once, workspace
from test_apps import FIXTURES, src

from olx.core.check import check
from olx.edit.change import Workspace
from olx.errors import InputError
from olx.ops.add_field import add_field
from olx.ops.remove_field import remove_field

OWN = Path(__file__).parent / "fixtures" / "model_fields"
ALL = [*FIXTURES, "model_fields", "one_line_entries"]


def source(name: str) -> tuple[str, str]:
    if name in ("model_fields", "one_line_entries"):
        folder = OWN.parent / name
        return (
            (folder / "types.py").read_bytes().decode(),
            (folder / "version_matrix.py").read_bytes().decode(),
        )
    return src(name)


def ws_of(name: str) -> Workspace:
    return workspace(*source(name))


def last_field_line(types_src: str) -> str:
    """The declaration line of the entry model's last field (read with ast here)."""
    module = ast.parse(types_src)
    cls = next(
        n
        for n in module.body
        if isinstance(n, ast.ClassDef) and n.name == "OpenEdxApplicationVersion"
    )
    last = [n for n in cls.body if isinstance(n, ast.AnnAssign)][-1]
    return types_src.splitlines(keepends=True)[last.lineno - 1]


@pytest.mark.parametrize("fixture", ALL)
def test_add_field_goes_after_the_last_field_and_every_entry_gets_it(fixture, tmp_path):
    types_src, matrix_src = source(fixture)
    ws = workspace(types_src, matrix_src)
    change = add_field(ws, "release_notes", "list[str] | None")
    last = last_field_line(types_src)
    assert change.new_types == replace_once(
        types_src, last, last + "    release_notes: list[str] | None = None\n"
    )
    assert change.new_matrix == matrix_src
    assert change.summary == "Add field release_notes to the entry model"
    assert change.branch == "olx/add-field-release_notes"
    model = change.new_model.to_json()
    entries = [
        e for deps in model["release_map"].values() for es in deps.values() for e in es
    ]
    assert entries and all(list(e)[-1] == "release_notes" for e in entries)
    assert all(e["release_notes"] is None for e in entries)
    assert oracle_of_sources(change.new_types, change.new_matrix) == model
    assert check(change.new_model).ok == check(ws.model).ok
    if fixture != "one_line_entries":  # that fixture is wider than ruff's 88 columns
        assert_ruff_clean(tmp_path, types=change.new_types)

    # Run twice: already declared, nothing to do.
    again = add_field(ws.after(change), "release_notes", "list[str]|None")
    assert not again.changed
    assert again.notes[0].startswith("release_notes is already declared (types.py:")
    # And remove-field gives the bytes back.
    back = remove_field(ws.after(change), "release_notes")
    assert (back.new_types, back.new_matrix) == (types_src, matrix_src)


def test_optional_style_without_defaults_gets_the_new_field_with_a_default():
    # Fields there are written ``branch_override: Optional[str]`` (pydantic v1 reads
    # no default as None); the new one says so explicitly.
    types_src, _ = source("two_field_open_release")
    change = add_field(ws_of("two_field_open_release"), "notes", "Optional[str]")
    assert change.new_types == replace_once(
        types_src,
        "    runtime_version_override: Optional[str]\n",
        "    runtime_version_override: Optional[str]\n"
        "    notes: Optional[str] = None\n",
    )


def test_a_field_with_comments_and_a_class_attribute_after_the_fields(tmp_path):
    types_src, _ = source("model_fields")
    change = add_field(
        ws_of("model_fields"), "theme", "  Optional[ dict[str,'Mapping[str, str]'] ]"
    )
    assert change.new_types == replace_once(
        types_src,
        "    translation_overrides: Optional[list[str]] = None\n",
        "    translation_overrides: Optional[list[str]] = None\n"
        '    theme: Optional[dict[str, "Mapping[str, str]"]] = None\n',
    )
    assert change.details == [
        'OpenEdxApplicationVersion.theme: Optional[dict[str, "Mapping[str, str]"]]'
        " = None (after translation_overrides)",
        "every entry (10) now has theme (None)",
    ]
    assert_ruff_clean(tmp_path, types=change.new_types)


NORMALISED = [
    ("str|None", "str | None"),
    ("None | str", "None | str"),
    ("Optional[MaybeText]", "Optional[MaybeText]"),
    ("MaybeText", "MaybeText"),  # an alias of Optional[str]: admits None
    ("Union[ str , list[str], None ]", "Union[str, list[str], None]"),
    ("typing_free | None", None),  # unbound: refused below
    ("Literal['a', -1, True, None]", 'Literal["a", -1, True, None]'),
    ("'BuildHints' | None", None),
    ("Optional['BuildHints']", 'Optional["BuildHints"]'),
    ("'BuildHints | None'", '"BuildHints | None"'),
    ("tuple[str, ...] | None", "tuple[str, ...] | None"),
    ("OpenEdxSupportedRelease | None", "OpenEdxSupportedRelease | None"),
    ("(str | int) | None", "str | int | None"),
]


@pytest.mark.parametrize(("typed", "written"), [n for n in NORMALISED if n[1]])
def test_the_annotation_is_written_from_its_validated_tree(typed, written):
    change = add_field(ws_of("model_fields"), "extra", typed)
    assert f"    extra: {written} = None\n" in change.new_types
    oracle_of_sources(change.new_types, change.new_matrix)  # it imports


REFUSED_TYPES = [
    ("int", "does not admit None"),
    ("list[str]", "write 'list[str] | None' or 'Optional[list[str]]'"),
    ("typing_free | None", "'typing_free' is not bound in types.py"),
    ("print | None", "the builtin 'print' is not a type"),
    ("BuildHints | None", "'BuildHints' is bound only after the entry model"),
    ("Mapping[str, str] | None", "'Mapping' is imported for type checkers only"),
    ("__import__('os') | None", "a call is not part of an annotation"),
    ("'os.system(1)' | None", "a string as an operand of |"),
    ("Optional['os.system(1)']", "a call is not part of an annotation"),
    ("str.__class__ | None", "a private attribute"),
    ("[str] | None", "a list is not part of an annotation"),
    ("str | None; import os", "is not a Python expression"),
    ("lambda: None", "a lambda is not part of an annotation"),
    ("str if True else None", "a conditional expression"),
    ("Literal[print()] | None", "a Literal item that is not"),
    ("None | None", "a union of None alone"),
    ("str\n| None", "invalid TYPE"),
    ("dict[str, 1] | None", "a constant that is not None or a string"),
    ("str | " + "None | " * 60 + "None", "characters long"),
]


@pytest.mark.parametrize(("typed", "message"), REFUSED_TYPES)
def test_a_type_that_is_not_a_safe_annotation_is_an_input_error(typed, message):
    with pytest.raises(InputError) as info:
        add_field(ws_of("model_fields"), "extra", typed)
    assert message in f"{info.value.message} {info.value.hint}"


REFUSED_NAMES = [
    ("json", "would shadow pydantic's BaseModel.json"),
    ("model_dump", "would shadow pydantic's BaseModel.model_dump"),
    ("git_origin", "already defines 'git_origin'"),
    ("model_config", "already defines 'model_config'"),
    ("EnvStage", "uses the name 'EnvStage'"),  # describe(self, stage: EnvStage)
    ("str", "uses the name 'str'"),
    ("_private", "invalid field name"),
    ("class", "invalid field name"),
    ("1st", "invalid field name"),
    ("naïve", "invalid field name"),
    ("branding_overrides", "already declares branding_overrides: Optional[dict"),
]


@pytest.mark.parametrize(("name", "message"), REFUSED_NAMES)
def test_a_name_the_class_or_pydantic_gives_a_meaning_is_an_input_error(name, message):
    with pytest.raises(InputError) as info:
        add_field(ws_of("model_fields"), name, "str | None")
    assert message in info.value.message


def test_the_same_field_declared_alike_is_a_no_op_however_it_is_spelled():
    ws = ws_of("model_fields")
    change = add_field(ws, "branding_overrides", "Optional[dict[str,str]]")
    assert not change.changed
    assert change.notes == [
        "branding_overrides is already declared (types.py:91: branding_overrides: "
        "Optional[dict[str, str]])"
    ]


def test_a_file_with_single_quotes_gets_single_quoted_forward_references():
    types_src, matrix_src = source("model_fields")
    types_src = types_src.replace('"', "'")
    change = add_field(workspace(types_src, matrix_src), "x", 'Optional["BuildHints"]')
    assert "    x: Optional['BuildHints'] = None\n" in change.new_types


def test_entries_that_set_the_keyword_before_it_was_declared_keep_their_values():
    types_src, matrix_src = source("model_fields")
    matrix_src = replace_once(
        matrix_src,
        "                translation_overrides=TRANSLATIONS,\n            ),\n        ],\n"
        "    },\n}",
        "                translation_overrides=TRANSLATIONS,\n"
        '                audience=["staff"],\n'
        "            ),\n        ],\n    },\n}",
    )
    ws = workspace(types_src, matrix_src)
    assert any("audience" in w for w in check(ws.model).warnings)
    change = add_field(ws, "audience", "list[str] | None")
    online = change.new_model.to_json()["release_map"]["master"]["online"]
    assert [e["audience"] for e in online] == [None, ["staff"]]
    assert "1 already set it and keep their values" in change.details[1]
    assert not any("audience" in w for w in check(change.new_model).warnings)
    assert oracle_of_sources(change.new_types, change.new_matrix)["release_map"][
        "master"
    ]["online"][1]["audience"] == ["staff"]


# --- layout of a long declaration, as ruff format lays it out ------------------------

LONG = "a_rather_long_field_name_that_someone_might_choose_for_the_model"  # 64


@pytest.mark.parametrize(
    ("name", "typed", "written"),
    [
        # the right-hand side splits first, while "name: TYPE = (" fits
        (LONG, "Optional[str]", f"{LONG}: Optional[str] = (\n        None\n    )"),
        # then a union is parenthesised
        (
            LONG,
            "list[str] | None",
            f"{LONG}: (\n        list[str] | None\n    ) = None",
        ),
        # and a subscript splits inside its brackets
        (
            LONG,
            "Optional[dict[str, str]]",
            f"{LONG}: Optional[\n        dict[str, str]\n    ] = None",
        ),
        # a name alone cannot split: ruff leaves the line long
        (
            LONG + "_and_then_some_more",
            "MaybeText",
            f"{LONG}_and_then_some_more: MaybeText = None",
        ),
    ],
)
def test_a_long_declaration_is_laid_out_as_ruff_would(name, typed, written, tmp_path):
    change = add_field(ws_of("model_fields"), name, typed)
    assert f"    {written}\n\n    model_config" in change.new_types
    assert not change.warnings
    assert_ruff_clean(tmp_path, types=change.new_types)
    back = remove_field(ws_of("model_fields").after(change), name)
    assert back.new_types == source("model_fields")[0]


def test_a_declaration_olx_cannot_lay_out_is_written_with_a_warning():
    typed = (
        "dict[str, list[str] | int | float | bool | tuple[int, int, int, int, int, int]]"
        " | None"
    )
    change = add_field(ws_of("model_fields"), LONG, typed)
    assert f"    {LONG}: {typed} = None\n" in change.new_types
    assert change.warnings == [
        f"the declaration of {LONG} passes 88 columns: run ruff format on types.py"
    ]


# --- the command line ----------------------------------------------------------------


def test_cli_add_field_commits_and_a_second_run_does_nothing(example_repo: Path):
    types, _ = example_paths(example_repo)
    result = invoke("--repo", example_repo, "add-field", "audience", "list[str] | None")
    assert result.exit_code == 0, result.output
    repo = git.Repo(example_repo)
    assert repo.active_branch.name == "olx/add-field-audience"
    assert repo.head.commit.message.splitlines()[0] == (
        "config: Add field audience to the entry model"
    )
    assert "    audience: list[str] | None = None\n" in types.read_text()
    head = repo.head.commit.hexsha
    again = invoke("--repo", example_repo, "add-field", "audience", "list[str]|None")
    assert again.exit_code == 0
    assert "audience is already declared" in again.stdout
    assert repo.head.commit.hexsha == head


def test_cli_refusal_writes_nothing_and_says_why(example_repo: Path):
    types, matrix = example_paths(example_repo)
    before = types.read_bytes(), matrix.read_bytes()
    result = invoke(
        "--repo", example_repo, "--json", "add-field", "audience", "os.system | None"
    )
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert error["error"] == "TYPE: 'os' is not bound in types.py"
    assert (types.read_bytes(), matrix.read_bytes()) == before
    assert git.Repo(example_repo).active_branch.name == "main"


def test_set_of_an_undeclared_field_names_add_field_in_its_hint(example_repo: Path):
    result = invoke(
        "--repo", example_repo, "override", "ulmo", "mitx", "learning",
        "--set", 'audience=["staff"]',
    )  # fmt: skip
    assert result.exit_code == 2
    assert "declares no field 'audience'" in result.stderr
    assert "to declare it: olx add-field audience 'list[str] | None'" in result.stderr


# --- names as pydantic resolves them: the class's own names first --------------------


def class_first_hints(types_src: str, matrix_src: str) -> dict[str, object]:
    """Import types.py (stand-in pydantic) and evaluate each annotation of the entry
    model as pydantic does, the class's own namespace first, then the module's; each
    must mean what it means in the module alone (a field named like a name of an
    annotation would silently change it, or make it fail)."""
    from oracle import load_sources

    types_mod, _ = load_sources(types_src, matrix_src)
    cls = types_mod.OpenEdxApplicationVersion
    module_ns, class_ns = vars(types_mod), dict(vars(cls))
    hints = {}
    for name, annotation in cls.__annotations__.items():
        if isinstance(annotation, str):
            meant = eval(annotation, module_ns)
            hints[name] = eval(annotation, module_ns, class_ns)
            assert hints[name] == meant, (name, annotation)
        else:
            hints[name] = annotation  # evaluated when the class was made
    return hints


def with_line(types_src: str, after: str, line: str) -> str:
    return replace_once(types_src, after, after + line)


def test_a_field_name_the_module_binds_is_an_input_error():
    # A field named Literal (or BaseModel, or an Enum of the module) would be what
    # every later annotation naming it finds: None.
    for name in ("Literal", "BaseModel", "OpenEdxSupportedRelease", "EnvStage"):
        with pytest.raises(InputError) as info:
            add_field(ws_of("model_fields"), name, "str | None")
        assert info.value.message in (
            f"types.py binds {name!r} at module level: a field of that name would "
            "hide it from the entry model's annotations",
            f"the body of OpenEdxApplicationVersion uses the name {name!r} (an "
            "annotation, a decorator or a default): a field of that name would change "
            "what it means",
        )


def test_a_field_name_a_string_annotation_uses_is_an_input_error():
    types_src, matrix_src = source("model_fields")
    types_src = replace_once(
        types_src,
        "translation_overrides: Optional[list[str]] = None",
        'translation_overrides: "Optional[list[str]]" = None',
    )
    class_first_hints(types_src, matrix_src)  # it means what it says
    with pytest.raises(InputError, match="uses the name 'list'"):
        add_field(workspace(types_src, matrix_src), "list", "str | None")


def test_a_type_naming_one_of_the_class_s_own_names_is_an_input_error():
    # A class that already has a field named Literal (written by hand): an annotation
    # naming Literal would find that field, not typing's Literal.
    types_src, matrix_src = source("model_fields")
    types_src = with_line(
        types_src,
        "    translation_overrides: Optional[list[str]] = None\n",
        "    Literal: Optional[str] = None\n",
    )
    ws = workspace(types_src, matrix_src)
    for typed in (
        "Literal['a'] | None",
        "Optional['Literal']",
        "runtime_version | None",
    ):
        with pytest.raises(InputError) as info:
            add_field(ws, "newf", typed)
        assert "is a name of OpenEdxApplicationVersion's own" in info.value.message
    change = add_field(ws, "newf", "Optional[str]")  # names the class does not have
    hints = class_first_hints(change.new_types, change.new_matrix)
    assert hints["newf"] == str | None


@pytest.mark.parametrize("fixture", ALL)
def test_every_field_added_means_in_the_class_what_it_means_in_the_module(fixture):
    change = add_field(ws_of(fixture), "audience", "list[str] | None")
    hints = class_first_hints(change.new_types, change.new_matrix)
    assert hints["audience"] in (list[str] | None, "list[str] | None")
