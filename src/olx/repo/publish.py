"""After the commit: push the branch (``--push``) and open a pull request (``--pr``).

The push goes through olx's git runner to ``[tool.olx] remote`` (default ``origin``):
the commit olx made, by its id, as the branch (another write may have committed on the
branch since the lock was released), then sets the branch's upstream; git itself
refuses anything but a new branch or a fast-forward (olx never forces). The pull request is opened with the GitHub CLI, ``gh pr create``,
whose body file olx writes in the git directory (kept when ``gh`` fails, so that the
command in the hint works as it is). A failure here never undoes the commit: it exits
2 with the command to finish by hand.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

import git

from olx import __version__, gitrun
from olx.core.impact import StageImpact
from olx.errors import PushError

GH_TIMEOUT = 120  # seconds; gh talks to GitHub


def made_from(repo: git.Repo, branch: str) -> str | None:
    """The branch that ``branch`` was checked out from when it was made, as HEAD's
    reflog tells it (the oldest ``checkout: moving from main to olx/x``); through olx
    branches made from olx branches, the first that is not one. None when the reflog
    does not say (expired, or the branch came from elsewhere)."""
    try:
        log = repo.git.log("-g", "--format=%gs", "HEAD", "--")
    except git.GitCommandError:
        return None
    moves: list[tuple[str, str]] = re.findall(
        r"^checkout: moving from (\S+) to (\S+)$", log, re.MULTILINE
    )
    seen = set()
    while branch not in seen:
        seen.add(branch)
        # The oldest move onto the branch: when it was made (later ones are visits).
        source = next(
            (a for a, b in reversed(moves) if b == branch and a != branch), None
        )
        if source is None or re.fullmatch(r"[0-9a-f]{40}", source):
            return None
        if not source.startswith("olx/"):
            return source
        branch = source
    return None


def branch_of(repo: git.Repo, ref: str) -> str | None:
    """The branch a pull request can target for ``ref``: a local branch's name, or
    ``main`` for a remote-tracking ``origin/main``; None for a tag or a commit."""
    if ref in [h.name for h in repo.heads]:
        return ref
    for remote in repo.remotes:
        prefix = f"{remote.name}/"
        if ref.startswith(prefix) and any(r.name == ref for r in remote.refs):
            return ref[len(prefix) :]
    if ref.startswith("refs/heads/"):
        return ref[len("refs/heads/") :]
    return None


def default_branch(repo: git.Repo, remote: str) -> str | None:
    """The remote's default branch (``refs/remotes/<remote>/HEAD``), if git knows it."""
    try:
        ref = repo.git.symbolic_ref("-q", f"refs/remotes/{remote}/HEAD")
    except git.GitCommandError:
        return None
    return ref.removeprefix(f"refs/remotes/{remote}/") or None


def push(repo: git.Repo, remote_name: str, branch: str, commit: str) -> tuple[str, ...]:
    """Push ``commit`` (the commit olx made) to the remote as ``branch``, then set the
    branch's upstream; PushError when the push fails. Returns the warnings: the push is
    done even when the upstream cannot be set (``.git/config`` locked, say), so that is
    a warning with the command to set it, not an error that would hide the push.

    The commit is pushed by its id (``git push REMOTE SHA:refs/heads/BRANCH``), not
    the branch by name: the push runs after the lock is released, and another olx
    write may have committed on the branch meanwhile; its commit is its own to push.
    """
    done = f"committed {commit[:10]} on {branch}, but"
    try:
        repo.remote(remote_name)
    except ValueError:
        raise PushError(
            f"{done} there is no remote {remote_name!r} to push it to",
            f"add it, then: {_by_hand(repo, remote_name, branch, commit)} "
            "([tool.olx] remote names another)",
        ) from None
    where = repo.working_tree_dir or repo.git_dir
    target = f"refs/heads/{branch}"
    pushed = gitrun.run(where, "push", "--porcelain", remote_name, f"{commit}:{target}")
    # --porcelain: one "FLAG<TAB>FROM:TO<TAB>SUMMARY" line per ref, on stdout.
    status = next(
        (
            fields
            for line in pushed.out.splitlines()
            if len(fields := line.split("\t")) >= 3 and fields[1].endswith(f":{target}")
        ),
        None,
    )
    if status is not None and status[0] == "!":
        raise PushError(
            f"{done} {remote_name} refused the push ({status[2].strip()}): only a new "
            "branch or a fast-forward is pushed",
            f"bring {branch} up to date with {remote_name}/{branch}, then: "
            f"{_by_hand(repo, remote_name, branch, commit)}",
        )
    if not pushed.ok or status is None or status[0] not in " *=":
        output = "\n".join(
            text.strip()
            for text in (pushed.stderr.decode("utf-8", "replace"), pushed.out)
            if text.strip()
        )
        raise PushError(
            f"{done} the push to {remote_name} failed",
            f"fix what git reports, then: {_by_hand(repo, remote_name, branch, commit)}",
            details=output or pushed.reason,
        )
    for key, value in (("remote", remote_name), ("merge", target)):
        configured = gitrun.run(where, "config", f"branch.{branch}.{key}", value)
        if not configured.ok:
            return (
                f"pushed {commit[:10]} as {remote_name}/{branch}, but setting its "
                f"upstream failed ({configured.reason}); set it: git branch "
                f"--set-upstream-to={remote_name}/{branch} {branch}",
            )
    return ()


def _by_hand(repo: git.Repo, remote_name: str, branch: str, commit: str) -> str:
    """The push to run by hand: the branch by name while it is still olx's commit,
    else that commit by its id (another write has committed on the branch since)."""
    try:
        tip = repo.git.rev_parse("--verify", "-q", f"refs/heads/{branch}")
    except git.GitCommandError:
        tip = None
    if tip == commit:
        return f"git push --set-upstream {remote_name} {branch}"
    return f"git push {remote_name} {commit}:refs/heads/{branch}"


@dataclass(frozen=True)
class PullRequest:
    base: str
    head: str
    title: str
    body: str

    def command(self, body_file: Path) -> list[str]:
        return [
            "gh",
            "pr",
            "create",
            "--base",
            self.base,
            "--head",
            self.head,
            "--title",
            self.title,
            "--body-file",
            str(body_file),
        ]


def body_file(git_dir: Path, branch: str) -> Path:
    """Where the body of ``branch``'s pull request is written: in the git directory
    (never in the work tree, where it would be an untracked change)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", branch).strip("-") or "branch"
    return git_dir / "olx-pr" / f"{slug}.md"


def open_pull_request(root: Path, git_dir: Path, request: PullRequest) -> str:
    """Run ``gh pr create``; the pull request's URL. PushError (exit 2, the
    command to run as the hint) when gh is missing, not signed in or fails."""
    path = body_file(git_dir, request.head)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(request.body, encoding="utf-8")
    command = request.command(path)
    hint = shlex.join(command)
    done = f"pushed {request.head}, but"
    env = {**os.environ, "GH_PROMPT_DISABLED": "1", "GIT_TERMINAL_PROMPT": "0"}
    try:
        proc = subprocess.run(
            command,
            cwd=root,
            capture_output=True,
            text=True,
            env=env,
            timeout=GH_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        raise PushError(
            f"{done} the GitHub CLI (gh) is not installed", f"install it, then: {hint}"
        ) from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PushError(f"{done} gh pr create did not run: {exc}", hint) from None
    if proc.returncode != 0:
        raise PushError(
            f"{done} gh pr create failed (exit {proc.returncode})",
            f"sign in with gh auth login if it asks, then: {hint}",
            details=(proc.stderr or proc.stdout).strip(),
        )
    urls = re.findall(r"https?://\S+", proc.stdout)
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        path.parent.rmdir()  # when no other body waits there
    return urls[-1] if urls else proc.stdout.strip()


def pr_body(
    what: list[str],
    impact: list[StageImpact],
    verify: list[str] | None,
    checklist: list[str],
    command: str,
) -> str:
    """The pull request's body: what changed (the commit body), per stage what it
    will build differently, verify's result for the changed stages when it ran, and
    the checklist of what the merge does not do by itself."""
    lines = ["## What changed", "", *what, ""]
    lines += ["## What each stage will build differently", ""]
    if not impact:
        lines += ["No stage builds anything differently.", ""]
    for item in impact:
        moved = (
            f"{item.before} → {item.after}"
            if item.before not in (None, item.after)
            else item.after
        )
        lines.append(f"**{item.deployment} {item.stage}** ({moved})")
        lines += ["", "```diff", *(item.lines or ["(the same components)"]), "```", ""]
    lines += ["## Verify", ""]
    if verify is None:
        refs = " ".join(dict.fromkeys(i.ref for i in impact))
        lines.append(
            "Not run with this change. That every branch these stages build exists "
            f"upstream: `olx verify {refs}`".rstrip()
            if refs
            else "Not run with this change (no stage builds anything differently)."
        )
    else:
        lines += ["```", *verify, "```"]
    lines += ["", "## Checklist", ""]
    lines += [f"- [ ] {item}" for item in checklist]
    lines += ["", f"Made by olx {__version__}: `{command}`"]
    # Markdown: GitHub wraps the text; a diff line or a command is never broken.
    return "\n".join(lines) + "\n"
