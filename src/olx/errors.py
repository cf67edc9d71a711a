"""olx's exception hierarchy; the CLI maps each class to its documented exit code."""

from __future__ import annotations

from typing import Self


class OlxError(Exception):
    """Base of every error olx reports to a user: one line, an optional hint."""

    exit_code = 2

    def __init__(
        self, message: str, hint: str | None = None, details: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # Output of another program (a failing hook): shown after the one-line error.
        self.details = details

    def with_context(self, prefix: str) -> Self:
        """The same error (same class, same attributes, same exit code) with
        ``prefix`` before its message: a runbook step's error names its line and
        stays what it was (a :class:`ShapeError` keeps its path and line)."""
        out = type(self).__new__(type(self))
        out.__dict__.update(self.__dict__)
        out.message = prefix + self.message
        out.args = (out.message,)
        return out


class InputError(OlxError):
    """Unknown name, bad argument, missing file, unexpected shape, forbidding git state."""

    exit_code = 2


class InternalError(OlxError):
    """Something olx did not expect (a bug): nothing was written."""

    exit_code = 3


class ShapeError(InputError):
    """A source file olx cannot read as a version matrix (names file and line)."""

    def __init__(
        self, path: str, line: int | None, message: str, hint: str | None = None
    ):
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}", hint)
        self.path = path
        self.line = line


class GuardError(OlxError):
    """A guard refused the change (exit 1); ``--force`` bypasses only promote guards."""

    exit_code = 1


class SafetyError(OlxError):
    """The re-read of the rewritten source did not match the intended change (exit 3)."""

    exit_code = 3


class UnreachableError(OlxError):
    """A remote repository olx was asked to read could not be read (exit 1, as verify
    exits when an origin is unreachable)."""

    exit_code = 1
