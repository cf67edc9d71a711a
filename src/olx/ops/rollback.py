"""``olx rollback DEPLOYMENT STAGE``: the stage back to the release it ran before its
last change, as the matrix file's git history shows.

The move itself is promote's (:func:`olx.ops.promote.move_stages`): the same rewrite,
proof and component changes. Soak time never holds a rollback back; the stage order
does (``--force``). The commit names the commit it undoes in a ``Rollback-Of:``
trailer, which is also how a second ``olx rollback`` of the same stage knows that the
rollback is done (a no-op, as docs/contract.md's "runbooks run twice" asks), and how a
plan that rolls back QA and promotes CI stays one commit that a re-run leaves alone.
"""

from __future__ import annotations

import dataclasses

from olx.core import names
from olx.core.model import Deployment
from olx.core.wording import fit
from olx.edit.change import Change, Workspace, nothing_to_do
from olx.errors import GitStateError, UnknownNameError
from olx.ops.promote import Move, guard_problems, move_stages
from olx.ops.stages import StageLog


def rollback(
    ws: Workspace,
    deployments: str,
    stage: str,
    log: StageLog,
    force: bool = False,
) -> Change:
    """Plan ``olx rollback DEPLOYMENTS STAGE`` against the history ``log``."""
    model = ws.model
    deps = names.deployments(model, deployments)
    stage = names.stage(stage)
    moves: list[Move] = []
    trailers: list[str] = []
    already: list[str] = []
    for dep in deps:
        found = _undo(ws, dep, stage, log)
        if isinstance(found, str):
            already.append(found)
            continue
        move, undone = found
        moves.append(move)
        trailers.append(f"Rollback-Of: {undone}")
    releases = list(dict.fromkeys(m.new for m in moves))
    args = [deployments, stage, *releases[:1]]
    to = f" to {releases[0]}" if len(releases) == 1 else ""
    summary = fit(
        lambda d: f"Roll back {stage} of {d}{to}",
        ([m.dep.name for m in moves], "deployments"),
    )
    if not moves:
        return nothing_to_do(ws, "rollback", args, summary, "; ".join(already))
    problems = [
        p
        for m in moves
        # Soak time never holds a rollback back: no policy is given. The block was
        # checked above (an input error: the hint restores it).
        for p in guard_problems(model, m.dep, stage, m.old, m.new, block=False)
    ]
    change = move_stages(
        ws, "rollback", args, summary, stage, moves, problems, force, notes=already
    )
    return dataclasses.replace(change, trailers=trailers)


def _undo(
    ws: Workspace, dep: Deployment, stage: str, log: StageLog
) -> tuple[Move, str] | str:
    """The move that undoes the last committed change of ``dep``'s ``stage`` and the
    commit it undoes; or, when that change was itself a rollback, the note that says
    the rollback is done."""
    current = dep.stage(stage)
    if current is None:
        present = ", ".join(s.stage for s in dep.stages)
        raise UnknownNameError(f"{dep.name} has no {stage} stage (it has {present})")
    where = f"{dep.name} {stage}"
    committed = log.committed(dep.name, stage)
    last = log.last_change(dep.name, stage)
    if committed is None or last is None:
        raise GitStateError(
            f"the history of the matrix file shows no change of {where}",
            f"name the release: olx promote {dep.name} {stage} RELEASE",
        )
    if committed != current.release:
        raise GitStateError(
            f"{where} changed since the last commit ({committed} there, "
            f"{current.release} now); rollback undoes a committed change",
            f"commit or undo that change first, or: olx promote {dep.name} "
            f"{stage} {committed}",
        )
    if last.undoes is not None:
        return (
            f"{where} was already rolled back to {current.release} in "
            f"{last.commit[:10]} (it undid {last.undoes[:10]})"
        )
    if last.before is None:
        raise GitStateError(
            f"the history shows no release of {where} before {last.commit[:10]}, "
            f"which gave it {current.release}",
            f"name the release: olx promote {dep.name} {stage} RELEASE",
        )
    member = _restorable(ws, dep.name, stage, current.release, last.before)
    note = f" (rollback of {last.commit[:10]})"
    return Move(dep, current.release, last.before, member, note), last.commit


def _restorable(
    ws: Workspace, deployment: str, stage: str, current: str, release: str
) -> str:
    """The release Enum member of ``release``, which must still be a member with a
    ``ReleaseMap`` block for ``deployment``; else an input error whose hint is the
    command that restores it."""
    model = ws.model
    member = model.types.release(release)
    where = f"{deployment} {stage}"
    if member is None:
        raise UnknownNameError(
            f"{where} ran {release} before, which is no longer a supported release",
            f"restore it first: olx add-release {release} --clone-from {current}",
        )
    block = model.matrix.block(release)
    if block is None or block.get(deployment) is None:
        raise UnknownNameError(
            f"{where} ran {release} before, but ReleaseMap[{release!r}] has no "
            f"{deployment!r} list any more",
            f"restore it first: olx clone-release {current} {release} "
            f"--deployment {deployment}",
        )
    return member.member
