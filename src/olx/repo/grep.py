"""Other mentions of a word in the repository: the checklist a write leaves
(``git grep -w``), in a process of its own so that a write that only reads never loads
GitPython."""

from __future__ import annotations

from pathlib import Path

from olx.errors import InputError
from olx.repo.targets import git_toplevel


def mentions(root: Path, word: str, exclude: list[Path]) -> list[str]:
    """``git grep -w -n WORD`` in the work tree, minus the given files: a checklist.
    (A process of its own: a write that only reads here never loads GitPython.)"""
    if git_toplevel(root) is None:
        return []  # outside a work tree git grep has nothing to search
    from olx import gitrun  # loaded only where git runs

    skip = {p.resolve() for p in exclude}
    try:
        out = gitrun.run(root, "grep", "-n", "-w", "-I", "--untracked", "-e", word)
    except InputError:  # no git (or a word git cannot be given): nothing to list
        return []
    found = []
    for line in out.out.splitlines():
        path = line.split(":", 1)[0]
        if (root / path).resolve() not in skip:
            found.append(line)
    return found
