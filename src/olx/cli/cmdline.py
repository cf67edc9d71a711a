"""The olx command line a commit body records: one anyone can re-run in that repository.

The words are those the user typed (or, without ``main()``, rebuilt from the parsed
parameters), minus what only made sense on the machine that ran them: the global
``--repo`` (whoever re-runs it is in the repository already) and absolute paths (a
checkout lives elsewhere on every machine). ``--types``/``--matrix`` values, and any
other absolute path inside the repository, are recorded relative to its root; an
absolute path outside it is recorded by its file name.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

# Global options (before the command name) and whether they take a value.
_GLOBAL_VALUED = ("--repo", "--types", "--matrix")
_RELATIVE_TO_ROOT = ("--types", "--matrix")


def _inside(word: str, root: Path) -> str:
    """``word`` relative to ``root`` when it is an absolute path inside it, else as is."""
    if not os.path.isabs(word):
        return word
    path = Path(word)
    for candidate, base in ((path, root), (path.resolve(), root.resolve())):
        # Both spellings: the typed one (/tmp/x) and the real one (/private/tmp/x).
        try:
            rel = candidate.relative_to(base)
        except ValueError:
            continue
        return rel.as_posix() or "."
    if not path.exists():
        return word  # not a path at all (a --message that starts with "/", say)
    # Outside the repository: the user's own file (a runbook, say), recorded by its
    # name only: the machine's path means nothing elsewhere, and a plan's body lists
    # its steps anyway.
    return path.name


def _path_value(option: str, value: str, root: Path) -> str:
    # --types/--matrix are read relative to the root already (targets.discover).
    return _inside(value, root) if option in _RELATIVE_TO_ROOT else value


def rerunnable(words: list[str], root: Path) -> list[str]:
    """``words`` (without the leading ``olx``) as they should be recorded.

    >>> rerunnable(["--repo", "/r", "--types", "/r/t.py", "plan", "/r/p.txt"], Path("/r"))
    ['--types', 't.py', 'plan', 'p.txt']
    """
    out: list[str] = []
    i = 0
    # The global options come first; the first other word is the command's name.
    while i < len(words) and words[i].startswith("-"):
        word = words[i]
        option, eq, value = word.partition("=")
        if option in _GLOBAL_VALUED and eq:
            if option != "--repo":
                out.append(f"{option}={_path_value(option, value, root)}")
            i += 1
        elif option in _GLOBAL_VALUED and i + 1 < len(words):
            if option != "--repo":
                out += [option, _path_value(option, words[i + 1], root)]
            i += 2
        else:
            out.append(word)
            i += 1
    for word in words[i:]:
        option, eq, value = word.partition("=")
        if eq and option.startswith("--"):
            out.append(f"{option}={_inside(value, root)}")
        else:
            out.append(_inside(word, root))
    return out


def parsed_words(ctx: Any) -> list[str]:
    """The command line rebuilt from click's parsed parameters (without ``olx``), for
    callers that did not go through ``main()`` (typer's CliRunner, say)."""
    words: list[str] = []
    contexts = [c for c in (ctx.parent, ctx) if c is not None]
    for level in contexts:
        if level is ctx:
            words.append(ctx.info_name or "")
        positional: list[str] = []
        for param in level.command.params:
            value = level.params.get(param.name or "")
            if value in (None, False, [], ()) or param.name in ("help", "version"):
                continue
            if param.param_type_name == "argument":
                positional.append(str(value))
            elif value is True:
                words.append(param.opts[0])
            else:
                for item in value if isinstance(value, (list, tuple)) else [value]:
                    words += [param.opts[0], str(item)]
        words += positional
    return words


def recorded(words: list[str], root: Path) -> str:
    """The line for the commit body: ``olx`` and the re-runnable words, shell-quoted."""
    return shlex.join(["olx", *rerunnable(words, root)])
