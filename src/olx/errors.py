"""olx's exception hierarchy; the CLI maps each class to its documented exit code.

Every error has a ``kind``: one stable word, in the JSON error object, that scripts
branch on (docs/contract.md, "Exit codes and errors"). A class says its kind; raise the
class that says what went wrong:

============================  ==================  ====
class                         kind                exit
============================  ==================  ====
:class:`UnknownNameError`     ``unknown-name``    2
:class:`BadValueError`        ``bad-value``       2
:class:`UsageError`           ``usage``           2
:class:`ShapeError`           ``shape``           2
:class:`ConfigError`          ``config``          2
:class:`FileAccessError`      ``file``            2
:class:`GitStateError`        ``git-state``       2
:class:`BusyError`            ``busy``            2
:class:`PushError`            ``push``            2
:class:`InputError`           ``input``           2
:class:`GuardError`           ``guard``           1
:class:`UnreachableError`     ``unreachable``     1
:class:`SafetyError`          ``safety``          3
:class:`InternalError`        ``internal``        3
============================  ==================  ====

``input`` is the kind of a plain :class:`InputError`, for an input error none of the
others names.
"""

from __future__ import annotations

from typing import ClassVar, Self


class OlxError(Exception):
    """Base of every error olx reports to a user: one line, an optional hint.

    ``kind`` is the class's unless ``kind=`` gives another word for one instance (a
    subclass that is one kind of error in one place and another elsewhere).
    """

    exit_code: ClassVar[int] = 2
    kind: str = "input"

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        details: str | None = None,
        *,
        kind: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # Output of another program (a failing hook): shown after the one-line error.
        self.details = details
        if kind is not None:
            self.kind = kind

    def json_fields(self) -> dict[str, object]:
        """What the JSON error object holds besides docs/contract.md's four keys (a
        failed push: the commit kept)."""
        return {}

    def with_context(self, prefix: str) -> Self:
        """The same error (same class, same attributes, same kind and exit code) with
        ``prefix`` before its message: a runbook step's error names its line and
        stays what it was (a :class:`ShapeError` keeps its path and line)."""
        out = type(self).__new__(type(self))
        out.__dict__.update(self.__dict__)
        out.message = prefix + self.message
        out.args = (out.message,)
        return out


class InputError(OlxError):
    """An input error (exit 2): a name, an argument, a file or a git state that olx
    cannot work with. Raise the subclass that says which."""

    exit_code = 2
    kind = "input"


class UnknownNameError(InputError):
    """A deployment, stage, release, application, field or constant that is not there."""

    kind = "unknown-name"


class BadValueError(InputError):
    """An argument or value olx will not write or cannot read: a branch or release
    name, a URL, a ``--set`` value, a field annotation, a date."""

    kind = "bad-value"


class UsageError(InputError):
    """Options that do not go together, a missing argument, an unknown command or
    option (click's usage errors), a runbook step that is not a write command."""

    kind = "usage"


class ShapeError(InputError):
    """A source file olx cannot read as a version matrix (names file and line), or
    whose layout olx cannot edit (``path`` None where the editing code does not know
    the file: the caller names it, as a runbook step names its line)."""

    kind = "shape"

    def __init__(
        self, path: str | None, line: int | None, message: str, hint: str | None = None
    ) -> None:
        where = (f"{path}:{line}" if line else path) if path else None
        super().__init__(f"{where}: {message}" if where else message, hint)
        self.path = path
        self.line = line


class ConfigError(InputError):
    """A bad ``[tool.olx]`` setting, or a target (``--repo``, ``--types``,
    ``--matrix``) that names no usable repository or file."""

    kind = "config"


class FileAccessError(InputError):
    """A file olx must read or write cannot be: the operating system refused (a
    runbook that cannot be read, a matrix file that cannot be written)."""

    kind = "file"


class GitStateError(InputError):
    """A repository state that forbids the write or the read: not a repository, no
    commits, dirty or staged files, a merge in progress, a detached HEAD, a hook that
    failed or changed the commit, git missing or failing."""

    kind = "git-state"


class BusyError(InputError):
    """Another olx process is writing the repository; trying again later may work."""

    kind = "busy"


class PushError(InputError):
    """The commit is made; pushing it or opening its pull request failed. The write
    that made it says which commit, on which branch, and whether it was pushed (the
    JSON error object carries them: :meth:`json_fields`)."""

    kind = "push"
    commit: str | None = None
    branch: str | None = None
    pushed: bool = False

    def json_fields(self) -> dict[str, object]:
        if self.commit is None:
            return {}
        return {"commit": self.commit, "branch": self.branch, "pushed": self.pushed}


class InternalError(OlxError):
    """Something olx did not expect (a bug): nothing was written."""

    exit_code = 3
    kind = "internal"


class GuardError(OlxError):
    """A guard refused the change (exit 1); ``--force`` bypasses only promote guards."""

    exit_code = 1
    kind = "guard"


class SafetyError(OlxError):
    """The re-read of the rewritten source did not match the intended change (exit 3)."""

    exit_code = 3
    kind = "safety"


class UnreachableError(OlxError):
    """A remote repository olx was asked to read could not be read (exit 1, as verify
    exits when an origin is unreachable)."""

    exit_code = 1
    kind = "unreachable"
