"""Verification against upstream, for a target repository: its configuration, the refs
of the origins its checks name, and the write guard (``--verify``, ``on-write``).

The pure parts (what to check, what it means) are :mod:`olx.core.verify` and
:mod:`olx.core.refs`; the refs are read by :mod:`olx.repo.remote`.
"""

from __future__ import annotations

from collections.abc import Iterable

from olx import gitrun
from olx.core.model import Matrix
from olx.core.refs import Refs
from olx.core.verify import (
    Checks,
    Report,
    VerifyConfig,
    changed,
    describe_unreachable,
    grouped_missing,
    judge,
    parse_config,
)
from olx.errors import (
    BadValueError,
    GuardError,
    InputError,
    ShapeError,
    UnknownNameError,
)
from olx.repo.remote import Answer, read_refs
from olx.repo.targets import Target, verify_table

# Answers already read in this command, by origin (the write guard reads the refs
# before it takes the lock, and judges under it).
Known = dict[str, Answer]


def verify_config(target: Target) -> VerifyConfig:
    """``[tool.olx.verify]`` of the target's ``pyproject.toml`` (defaults without it)."""
    return parse_config(
        verify_table(target.root), target.rel(target.root / "pyproject.toml")
    )


def answers(
    target: Target,
    origins: Iterable[str],
    config: VerifyConfig,
    *,
    refresh: bool = False,
    known: Known | None = None,
    from_cache: set[str] | None = None,
) -> dict[str, Refs | str]:
    """Every origin's refs, or the one-line reason they could not be read (origins
    answered from the cache are added to ``from_cache``)."""
    known = {} if known is None else known
    wanted = list(dict.fromkeys(origins))
    missing = [o for o in wanted if o not in known or refresh]
    if missing:
        known.update(
            read_refs(
                target.root,
                missing,
                timeout=config.timeout,
                ttl=config.ttl,
                refresh=refresh,
                from_cache=from_cache,
            )
        )
    return {o: _answer(known[o]) for o in wanted}


def _answer(answer: Answer) -> Refs | str:
    return answer if isinstance(answer, Refs) else answer.error


def judged(
    target: Target,
    checks: Checks,
    config: VerifyConfig,
    *,
    refresh: bool = False,
    known: Known | None = None,
) -> Report:
    """Each check against its origin's refs. A branch the cached refs lack is
    confirmed by reading its origin again: the cache may only ever say "found" of a
    branch deleted since (until its TTL), never "missing" of one created since."""
    known = {} if known is None else known
    from_cache: set[str] = set()
    got = answers(
        target,
        checks.origins,
        config,
        refresh=refresh,
        known=known,
        from_cache=from_cache,
    )
    report = judge(checks, got)
    stale = list(dict.fromkeys(m["origin"] for m in report.missing))
    stale = [o for o in stale if o in from_cache]
    if stale:
        answers(target, stale, config, refresh=True, known=known)
        report = judge(checks, answers(target, checks.origins, config, known=known))
    return report


def verify(
    target: Target, checks: Checks, config: VerifyConfig, *, refresh: bool = False
) -> Report:
    """Read the refs of every origin ``checks`` names and judge each check."""
    return judged(target, checks, config, refresh=refresh)


def prefetch(
    target: Target,
    before: Matrix,
    after: Matrix | None,
    config: VerifyConfig,
    known: Known,
) -> None:
    """Read (into ``known``) the refs that the change from ``before`` to ``after``
    will need: done before a write takes the lock, so that a slow origin never holds
    another olx writer back. Read as :func:`judged` reads them (the one path): a
    branch the cached refs lack is confirmed by reading its origin again, which the
    guard under the lock, finding every origin known, could no longer do."""
    if after is None:
        return
    judged(target, changed(before, after, config.skip), config, known=known)


def guard(
    target: Target,
    before: Matrix,
    after: Matrix,
    config: VerifyConfig,
    *,
    force: bool,
    known: Known | None = None,
) -> tuple[Report, list[str]]:
    """Verify what the change from ``before`` to ``after`` makes or moves.

    A branch missing upstream, or an origin that cannot be read, refuses the write
    (:class:`GuardError`, exit 1) unless ``force``; then each is a warning. Returns the
    report and the warnings (components olx could not resolve are warned about and not
    checked, like skipped applications).
    """
    checks = changed(before, after, config.skip)
    report = judged(target, checks, config, known=known)
    problems = grouped_missing(report.missing)
    problems += [
        f"cannot verify: {describe_unreachable(u)}" for u in report.unreachable
    ]
    warnings = [f"--verify: not checked: {u}" for u in report.unresolved]
    if problems and not force:
        count = len(report.missing)
        if count:
            head = f"{count} component{'s' if count > 1 else ''} missing upstream"
            hint = "name a branch that exists (closest names listed), or pass --force"
        else:
            head = "an origin could not be read"
            hint = "check the origin, the network and your git credentials, or pass --force"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise GuardError(
            f"refused: {head}: {problems[0]}{more}",
            hint,
            "\n".join(problems) if len(problems) > 1 else None,
        )
    warnings += [f"--force: {p}" for p in problems]
    return report, warnings


def summary(report: Report, *, write: bool = True) -> str:
    """One line: what verify checked (``write``: in a write's output)."""
    touched = (
        report.checked or report.not_checked or report.skipped or report.unresolved
    )
    if write and not touched:
        return "verified: the change makes no stage build anything new"
    count, origins = report.checked, report.origins
    text = (
        f"{'verified' if write else 'checked'} {count} "
        f"component{'s' if count != 1 else ''} against {origins} "
        f"origin{'s' if origins != 1 else ''}: {count - len(report.missing)} found"
    )
    if report.missing:
        text += f", {len(report.missing)} missing"
    if report.unreachable:
        count = len(report.unreachable)
        text += f", {count} origin{'s' if count > 1 else ''} unreachable"
    if report.skipped:
        text += f"; skipped {', '.join(report.skipped)}"
    return text


# --- the files at a revision (verify --changed-from) ------------------------------------


def model_at(target: Target, rev: str, *, lenient: bool) -> Matrix | None:
    """The two files as the commit ``rev`` holds them, read into a model. None when
    the commit lacks them, or (``lenient``) when they do not read; otherwise an
    unreadable revision is the reader's error."""
    from olx.core.reader import read_sources

    if not rev or rev.startswith("-") or "\0" in rev:
        raise BadValueError(f"invalid revision {rev!r}", "give a commit, branch or tag")
    found = gitrun.run(target.root, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}")
    if not found.ok:
        raise UnknownNameError(
            f"unknown revision {rev!r}", "give a commit, branch or tag of the target"
        )
    commit = found.out.strip()
    texts = []
    for path in (target.types, target.matrix):
        shown = target.rel(path)
        blob = gitrun.run(target.root, "cat-file", "blob", f"{commit}:{shown}")
        if not blob.ok:
            return None
        try:
            texts.append(blob.stdout.decode("utf-8"))
        except UnicodeDecodeError:
            if lenient:
                return None
            raise ShapeError(shown, None, f"not UTF-8 at {rev}") from None
    try:
        return read_sources(
            texts[0], texts[1], *map(target.rel, (target.types, target.matrix))
        )
    except InputError:
        if lenient:
            return None
        raise
