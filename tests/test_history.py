"""``olx history`` and the timeline reader behind it (and behind the soak guard).

Every test builds its history in a temporary repository with fixed author and committer
dates, so that dates (and commit hashes) are the same on every run. The files are small
hand-written matrices, not the example: what each revision holds is visible here.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import EXAMPLE_MATRIX, EXAMPLE_TYPES, invoke

from olx.repo import revisions as revs
from olx.repo import timeline as tl

GOLDEN = Path(__file__).parent / "golden"
STAGES = ("CI", "QA", "Production")


def types_src(*releases: str, members: dict[str, str] | None = None) -> str:
    """types.py with a release Enum of ``releases`` (``members``: member → value for
    members whose name differs from the value)."""
    lines = [
        "from enum import StrEnum",
        "",
        "",
        "class OpenEdxSupportedRelease(StrEnum):",
    ]
    for name in releases:
        lines.append(f'    {name} = ("{name}", "release/{name}", "3.12", "24")')
    for member, value in (members or {}).items():
        lines.append(f'    {member} = ("{value}", "release/{value}", "3.12", "24")')
    return "\n".join(lines) + "\n"


def matrix_src(deployments: dict[str, dict[str, str]], refs: str = "subscript") -> str:
    """version_matrix.py: ``{name: {stage: release}}``; a name's member is the name
    with ``-`` as ``_``; ``refs="attribute"`` writes ``OpenEdxSupportedRelease.x``."""
    out = [
        "from enum import Enum",
        "",
        "from bridge.settings.openedx.types import OpenEdxSupportedRelease",
        "",
        "",
        "class OpenLearningOpenEdxDeployment(Enum):",
    ]
    for name, stages in deployments.items():
        out += [
            f"    {name.replace('-', '_')} = DeploymentEnvRelease(",
            f'        deployment_name="{name}",',
            "        env_release_map=[",
        ]
        for stage, release in stages.items():
            ref = (
                f"OpenEdxSupportedRelease.{release}"
                if refs == "attribute"
                else f'OpenEdxSupportedRelease["{release}"]'
            )
            out.append(f'            EnvRelease("{stage}", {ref}),')
        out += ["        ],", "    )"]
    out += ["", "", "ReleaseMap = {}"]
    return "\n".join(out) + "\n"


def three(ci: str, qa: str, prod: str) -> dict[str, str]:
    return dict(zip(STAGES, (ci, qa, prod), strict=True))


class Repo:
    """A repository whose commits get the next fixed date each (one day apart)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir()
        self.git("init", "-q", "-b", "main")
        self.commits: list[str] = []

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        return subprocess.run(
            ["git", *args],
            cwd=self.root,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
        ).stdout.strip()

    def commit(
        self,
        *,
        types: str | None = None,
        matrix: str | None = None,
        when: str,
        author: str = "Ada",
        remove: tuple[str, ...] = (),
    ) -> str:
        for rel, text in ((EXAMPLE_TYPES, types), (EXAMPLE_MATRIX, matrix)):
            if text is not None:
                path = self.root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                self.git("add", rel)
        for rel in remove:
            self.git("rm", "-q", rel)
        env = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
        }
        self.git("commit", "-q", "--allow-empty", "-m", f"change {when}", env=env)
        self.commits.append(self.git("rev-parse", "HEAD"))
        return self.commits[-1]


def history(repo: Repo, *args: str):
    return invoke("--repo", repo.root, "history", *args)


def history_json(repo: Repo, *args: str) -> dict:
    result = history(repo, "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def labelled(obj: dict, repo: Repo) -> dict:
    """The JSON with each commit hash replaced by its label C1, C2, … (commit order)."""
    labels = {h: f"C{i}" for i, h in enumerate(repo.commits, 1)}
    for item in (*obj["changes"], *obj["skipped"]):
        item["commit"] = labels[item["commit"]]
    return obj


def timeline_of(repo: Repo, **kwargs) -> tl.Timeline:
    return tl.read_timeline(repo.root, EXAMPLE_MATRIX, EXAMPLE_TYPES, **kwargs)


@pytest.fixture
def release_day(tmp_path: Path) -> Repo:
    """Two deployments through a release cycle: teak → ulmo, a rollback, a revision
    with a syntax error, and ulmo in Production.

    C1 2024-01-01 (Ada):   mitx teak/teak/teak, xpro teak/teak/teak
    C2 2024-01-03 (Ada):   types gains ulmo (matrix untouched)
    C3 2024-01-04 (Bob):   mitx CI → ulmo, xpro CI → ulmo
    C4 2024-01-06 (Bob):   mitx QA → ulmo
    C5 2024-01-07 (Cy):    mitx QA back to teak (rollback)
    C6 2024-01-08 (Cy):    a syntax error (skipped), mitx QA → ulmo in the text
    C7 2024-01-09 (Cy):    the syntax error fixed: mitx QA is ulmo again
    C8 2024-01-15 (Ada):   mitx Production → ulmo
    """
    repo = Repo(tmp_path / "repo")
    both = {
        "mitx": three("teak", "teak", "teak"),
        "xpro": three("teak", "teak", "teak"),
    }
    repo.commit(
        types=types_src("teak"), matrix=matrix_src(both), when="2024-01-01T10:00:00Z"
    )
    repo.commit(types=types_src("teak", "ulmo"), when="2024-01-03T10:00:00Z")
    both["mitx"]["CI"] = both["xpro"]["CI"] = "ulmo"
    repo.commit(matrix=matrix_src(both), when="2024-01-04T10:00:00Z", author="Bob")
    both["mitx"]["QA"] = "ulmo"
    repo.commit(matrix=matrix_src(both), when="2024-01-06T10:00:00Z", author="Bob")
    both["mitx"]["QA"] = "teak"
    repo.commit(matrix=matrix_src(both), when="2024-01-07T10:00:00Z", author="Cy")
    both["mitx"]["QA"] = "ulmo"
    broken = matrix_src(both) + "def (:\n"
    repo.commit(matrix=broken, when="2024-01-08T10:00:00Z", author="Cy")
    repo.commit(matrix=matrix_src(both), when="2024-01-09T10:00:00Z", author="Cy")
    both["mitx"]["Production"] = "ulmo"
    repo.commit(matrix=matrix_src(both), when="2024-01-15T10:00:00Z")
    return repo


def test_json_matches_the_golden_history(release_day: Repo):
    got = labelled(history_json(release_day), release_day)
    golden = json.loads((GOLDEN / "history_release_day.json").read_text("utf-8"))
    assert got == golden


def test_the_skipped_revision_is_named_with_its_reason(release_day: Repo):
    skipped = history_json(release_day)["skipped"]
    assert [s["commit"] for s in skipped] == [release_day.commits[5]]
    assert "syntax error" in skipped[0]["reason"]
    assert EXAMPLE_MATRIX in skipped[0]["reason"]


def test_a_change_across_a_skipped_revision_is_dated_at_the_next_readable_one(
    release_day: Repo,
):
    changes = history_json(release_day)["changes"]
    qa = [(c["date"], c["from"], c["to"]) for c in changes if c["stage"] == "QA"]
    assert qa[-3:] == [
        ("2024-01-06", "teak", "ulmo"),
        ("2024-01-07", "ulmo", "teak"),
        ("2024-01-09", "teak", "ulmo"),
    ]


def test_deployment_filter_by_name_or_member(release_day: Repo):
    got = history_json(release_day, "xpro")
    assert {c["deployment"] for c in got["changes"]} == {"xpro"}
    assert {d for deps in got["releases"].values() for d in deps} == {"xpro"}
    assert got["lead_times"] == {"teak": {"xpro": 0}, "ulmo": {"xpro": None}}
    both = history_json(release_day, "mitx,xpro")
    assert len(both["changes"]) == len(history_json(release_day)["changes"])


def test_unknown_deployment_is_an_input_error_with_the_closest_name(release_day: Repo):
    result = history(release_day, "mitz")
    assert result.exit_code == 2
    assert "unknown deployment 'mitz'" in result.stderr
    assert "did you mean 'mitx'" in result.stderr


def test_since_keeps_changes_on_and_after_the_day(release_day: Repo):
    got = history_json(release_day, "--since", "2024-01-07")
    assert [c["date"] for c in got["changes"]] == [
        "2024-01-07",
        "2024-01-09",
        "2024-01-15",
    ]
    assert [s["commit"] for s in got["skipped"]] == [release_day.commits[5]]
    # ulmo moved since then: listed with its whole history; teak did not move.
    assert list(got["releases"]) == ["ulmo"]
    assert got["releases"]["ulmo"]["mitx"]["CI"] == "2024-01-04"
    assert got["lead_times"] == {"ulmo": {"mitx": 11, "xpro": None}}
    late = history_json(release_day, "--since", "2024-02-01")
    assert late["changes"] == [] and late["releases"] == {} and late["skipped"] == []


@pytest.mark.parametrize("bad", ["2024-1-7x", "yesterday", "2024-02-30"])
def test_a_bad_since_is_an_input_error(release_day: Repo, bad: str):
    result = history(release_day, "--since", bad)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


def test_human_output_lists_changes_releases_and_skipped(release_day: Repo):
    result = invoke("--repo", release_day.root, "history", env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    short = release_day.commits[3][:10]
    row = next(line for line in out.splitlines() if short in line)
    for cell in ("2024-01-06", "Bob", "mitx", "QA", "teak → ulmo"):
        assert cell in row
    assert "— → teak" in out  # the first revision: every stage appears
    lead = next(line for line in out.splitlines() if "ulmo" in line and "11 d" in line)
    assert "2024-01-04" in lead and "2024-01-15" in lead
    assert f"skipped {release_day.commits[5][:10]}" in out


def test_since_when_is_the_commit_that_last_put_the_release_there(release_day: Repo):
    timeline = timeline_of(release_day)
    day = datetime(2024, 1, 9, 10, tzinfo=UTC)  # back on ulmo after the rollback
    assert tl.since_when(timeline, "mitx", "QA", "ulmo") == day
    assert tl.since_when(timeline, "mitx", "qa", "ulmo") == day
    assert tl.since_when(timeline, "mitx", "QA", "teak") is None  # not there now
    assert tl.since_when(timeline, "xpro", "CI", "ulmo") == datetime(
        2024, 1, 4, 10, tzinfo=UTC
    )
    assert tl.since_when(timeline, "nope", "CI", "ulmo") is None


def test_reading_uses_one_log_and_one_batch_whatever_the_length(
    release_day: Repo, monkeypatch: pytest.MonkeyPatch
):
    # Every process starts through Popen (subprocess.run too): count them all.
    calls: list[list[str]] = []
    real_popen = subprocess.Popen

    class Popen(real_popen):  # type: ignore[misc, valid-type]
        def __init__(self, cmd, *args, **kwargs):
            calls.append(list(cmd))
            super().__init__(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Popen)
    timeline = timeline_of(release_day)
    assert timeline.revisions == 8
    git_commands = [
        next(w for w in c[1:] if not w.startswith("-") and "=" not in w) for c in calls
    ]
    assert git_commands == ["log", "cat-file"]


def test_progress_reports_every_revision(release_day: Repo):
    seen: list[tuple[int, int]] = []
    timeline_of(release_day, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, 8) for i in range(1, 9)]


def test_committer_date_in_utc_decides_the_day(tmp_path: Path):
    repo = Repo(tmp_path / "repo")
    # 23:30 at UTC-5 is the next day in UTC; the author date says otherwise.
    repo.git("config", "user.name", "Ignored")
    root_types = types_src("teak")
    path = repo.root / EXAMPLE_TYPES
    path.parent.mkdir(parents=True)
    path.write_text(root_types, encoding="utf-8")
    (repo.root / EXAMPLE_MATRIX).write_text(
        matrix_src({"mitx": three("teak", "teak", "teak")}), encoding="utf-8"
    )
    repo.git("add", ".")
    repo.git(
        "commit",
        "-qm",
        "first",
        env={
            "GIT_AUTHOR_DATE": "2023-12-01T00:00:00Z",
            "GIT_COMMITTER_DATE": "2024-03-01T23:30:00-05:00",
        },
    )
    got = history_json(repo)
    assert {c["date"] for c in got["changes"]} == {"2024-03-02"}
    assert {c["author"] for c in got["changes"]} == {"Ignored"}


def test_revisions_without_the_matrix_file_are_skipped_and_its_return_read(
    tmp_path: Path,
):
    repo = Repo(tmp_path / "repo")
    repo.commit(types=types_src("teak", "ulmo"), when="2024-01-01T00:00:00Z")
    one = {"mitx": three("teak", "teak", "teak")}
    repo.commit(matrix=matrix_src(one), when="2024-01-02T00:00:00Z")
    repo.commit(remove=(EXAMPLE_MATRIX,), when="2024-01-03T00:00:00Z")
    one["mitx"]["CI"] = "ulmo"
    repo.commit(matrix=matrix_src(one), when="2024-01-04T00:00:00Z")
    got = labelled(history_json(repo), repo)
    assert [s["commit"] for s in got["skipped"]] == ["C1", "C3"]
    assert all("not there" in s["reason"] for s in got["skipped"])
    assert [(c["commit"], c["stage"], c["from"], c["to"]) for c in got["changes"]] == [
        ("C2", "CI", None, "teak"),
        ("C2", "QA", None, "teak"),
        ("C2", "Production", None, "teak"),
        ("C4", "CI", "teak", "ulmo"),
    ]


def test_a_renamed_deployment_leaves_and_appears_and_both_names_filter(tmp_path: Path):
    repo = Repo(tmp_path / "repo")
    repo.commit(
        types=types_src("teak"),
        matrix=matrix_src({"mitx-stage": three("teak", "teak", "teak")}),
        when="2024-01-01T00:00:00Z",
    )
    repo.commit(
        matrix=matrix_src({"mitx-staging": three("teak", "teak", "teak")}),
        when="2024-01-02T00:00:00Z",
    )
    changes = history_json(repo)["changes"][3:]
    assert [(c["deployment"], c["stage"], c["from"], c["to"]) for c in changes] == [
        ("mitx-stage", "CI", "teak", None),
        ("mitx-stage", "QA", "teak", None),
        ("mitx-stage", "Production", "teak", None),
        ("mitx-staging", "CI", None, "teak"),
        ("mitx-staging", "QA", None, "teak"),
        ("mitx-staging", "Production", None, "teak"),
    ]
    # A name only the history knows, by name and by Enum member name.
    for word in ("mitx-stage", "mitx_stage"):
        old = history_json(repo, word)["changes"]
        assert {c["deployment"] for c in old} == {"mitx-stage"} and len(old) == 6
    assert len(history_json(repo, "mitx_staging")["changes"]) == 3
    result = history(repo, "mitx-stagin")
    assert result.exit_code == 2 and "did you mean 'mitx-staging'" in result.stderr


def test_types_changes_resolve_release_references(tmp_path: Path):
    """A member whose value differs from its name, added to types.py and then used;
    a broken types.py keeps the last readable release Enum."""
    repo = Repo(tmp_path / "repo")
    dep = {"xpro": three("teak", "teak", "teak")}
    repo.commit(
        types=types_src("teak"),
        matrix=matrix_src(dep, "attribute"),
        when="2024-01-01T00:00:00Z",
    )
    repo.commit(
        types=types_src("teak", members={"ul": "ulmo"}), when="2024-01-02T00:00:00Z"
    )
    dep["xpro"]["CI"] = "ul"
    repo.commit(matrix=matrix_src(dep, "attribute"), when="2024-01-03T00:00:00Z")
    repo.commit(
        types=types_src("teak", members={"ul": "ulmo"}) + "def (:\n",
        when="2024-01-04T00:00:00Z",
    )
    dep["xpro"]["QA"] = "ul"
    repo.commit(matrix=matrix_src(dep, "attribute"), when="2024-01-05T00:00:00Z")
    got = history_json(repo)
    assert [
        (c["date"], c["stage"], c["from"], c["to"]) for c in got["changes"][3:]
    ] == [
        ("2024-01-03", "CI", "teak", "ulmo"),
        ("2024-01-05", "QA", "teak", "ulmo"),
    ]
    assert got["skipped"] == []  # a broken types.py alone skips nothing


def test_a_merge_counts_on_the_first_parent_line(tmp_path: Path):
    repo = Repo(tmp_path / "repo")
    dep = {"mitx": three("teak", "teak", "teak")}
    repo.commit(
        types=types_src("teak", "ulmo"),
        matrix=matrix_src(dep),
        when="2024-01-01T00:00:00Z",
    )
    repo.git("checkout", "-q", "-b", "feature")
    dep["mitx"]["CI"] = "ulmo"
    repo.commit(matrix=matrix_src(dep), when="2024-01-02T00:00:00Z")
    repo.git("checkout", "-q", "main")
    when = "2024-01-05T00:00:00Z"
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    repo.git("merge", "-q", "--no-ff", "-m", "merge", "feature", env=env)
    merge = repo.git("rev-parse", "HEAD")
    last = history_json(repo)["changes"][-1]
    assert (last["commit"], last["date"], last["to"]) == (merge, "2024-01-05", "ulmo")


def test_not_a_git_repository_is_an_input_error(tmp_path: Path):
    folder = tmp_path / "plain"
    folder.mkdir()
    result = invoke("--repo", folder, "history")
    assert result.exit_code == 2
    assert "not a git repository" in result.stderr and "hint:" in result.stderr


def test_a_repository_without_commits_is_an_input_error(tmp_path: Path):
    repo = Repo(tmp_path / "repo")
    result = history(repo)
    assert result.exit_code == 2
    assert "no commits yet" in result.stderr


def test_a_history_that_never_touched_the_files_is_empty(tmp_path: Path):
    repo = Repo(tmp_path / "repo")
    repo.commit(when="2024-01-01T00:00:00Z")
    got = history_json(repo)
    assert got == {"changes": [], "releases": {}, "lead_times": {}, "skipped": []}
    result = history(repo)
    assert result.exit_code == 0 and "no stage changes" in result.stdout


def test_the_example_repository_reads_without_skips(example_repo: Path):
    result = invoke("--repo", example_repo, "history", "--json")
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert got["skipped"] == []
    shown = json.loads(invoke("--repo", example_repo, "show", "--json").stdout)
    now = {(c["deployment"], c["stage"]): c["to"] for c in got["changes"]}
    for dep in shown["deployments"]:
        for stage, release in dep["stages"].items():
            assert now[(dep["name"], stage)] == release


def test_parsing_only_what_changed_reads_as_parsing_every_revision_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Each revision's changed statements are parsed alone (the rest is taken from the
    revision before): the timeline, skipped revisions and their messages (lines
    included) are those of whole-file parses, across the edits that could fool it."""
    repo = Repo(tmp_path / "repo")
    deps = {
        "mitx": three("teak", "teak", "teak"),
        "xpro": three("teak", "ulmo", "ulmo"),
    }
    body = matrix_src(deps)
    named = body.replace('deployment_name="xpro"', "deployment_name=XPRO")
    revisions = [
        'XPRO = "xpro"\n' + named,
        '"""Docstring."""\n\nXPRO = "xpro"\n' + named,  # lines before the class
        '"""Docstring."""\n\nXPRO = "xpro"; OTHER = 1\n' + named,
        '"""Docstring."""\n\nXPRO = "xpro-2"; OTHER = 1\n' + named,  # second on a line
        '"""Docstring."""\n\nXPRO = "xpro-2"; OTHER = 1\n'
        + named.replace(
            '["teak"]),\n        ],\n    )\n    xpro',
            '["ulmo"]),\n        ],\n    )\n    xpro',
        ),
        '# a comment line\nXPRO = "xpro"\n'
        + named.replace("ReleaseMap = {}", "ReleaseMap = {\n"),
        '# a comment line\n\nXPRO = "xpro"\n'
        + named.replace("ReleaseMap = {}", "ReleaseMap = {}  # x"),
        '# a comment line\n\n\nXPRO = "xpro"\n'
        + named.replace(
            'EnvRelease("QA", OpenEdxSupportedRelease["teak"])',
            'EnvRelease("QA", pick("teak"))',
        ),
        # The same class one line lower: taken from the revision before, not parsed.
        '# a comment line\n\n\n\nXPRO = "xpro"\n'
        + named.replace(
            'EnvRelease("QA", OpenEdxSupportedRelease["teak"])',
            'EnvRelease("QA", pick("teak"))',
        ),
        "\n" + named.replace("XPRO", "XP"),  # a name that is no constant: skipped
        "\n"
        + named.replace("XPRO", "XP").replace("ReleaseMap", 'XP = "xp"\nReleaseMap'),
        ('XPRO = "xpro"\n' + named).replace("\n", "\r\n"),
        'XPRO = "xpro"\n'
        + named.replace("class OpenLearning", "@unique\nclass OpenLearning"),
        'XPRO = "xpro"\n'
        + named.replace("    )\n    xpro", "    )\n    def (\n    xpro"),
        'XPRO = "xpro"\n' + named.replace("ulmo", "teak"),
    ]
    repo.commit(types=types_src("teak", "ulmo"), when="2024-01-01T00:00:00Z")
    for day, text in enumerate(revisions, 2):
        repo.commit(matrix=text, when=f"2024-01-{day:02d}T00:00:00Z")
    parsed: list[int] = []
    real = revs._reparse

    def counting(*args):
        ranges = real(*args)
        parsed.append(ranges is not None)
        return ranges

    monkeypatch.setattr(revs, "_reparse", counting)
    incremental = timeline_of(repo).to_json()
    assert sum(parsed) >= 8  # most revisions were read in part
    monkeypatch.setattr(revs, "_reparse", lambda *args: None)
    whole = timeline_of(repo).to_json()
    assert incremental == whole
    reasons = [s["reason"] for s in whole["skipped"]]
    assert len(reasons) == 6  # C1 (no matrix), the open brace, pick() twice, XP, def (
    # The class moved down by the lines added above it; the messages say where.
    assert [r.split(": ")[0][-3:] for r in reasons if "pick(" in r] == [":15", ":16"]
