"""What a write asks the git history, for one target, as the ops layer takes it.

Each function returns the question an operation asks only when a name is not in the
files (``retire`` of a release, ``remove-app`` of an application, ...): was it there
once, and which commit took it away (:mod:`olx.repo.history`)? The history module,
with the git runner and the revision reader it needs, is loaded when the question is
asked, not when the write starts: a write whose names are all there (a dry run of
``remove-app forum``, say) never loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def lookup(root: Path, types_path: Path) -> Callable[[str], str | None]:
    """:func:`olx.repo.history.retired_in` for one target."""

    def retired_in(name: str) -> str | None:
        from olx.repo import history

        return history.retired_in(root, types_path, name)

    return retired_in


def field_lookup(root: Path, types_path: Path) -> Callable[[str], str | None]:
    """:func:`olx.repo.history.field_removed_in` for one target."""

    def field_removed_in(name: str) -> str | None:
        from olx.repo import history

        return history.field_removed_in(root, types_path, name)

    return field_removed_in


def app_lookup(root: Path, types_path: Path) -> Callable[[str], str | None]:
    """:func:`olx.repo.history.app_removed_in` for one target."""

    def app_removed_in(value: str) -> str | None:
        from olx.repo import history

        return history.app_removed_in(root, types_path, value)

    return app_removed_in


def entry_lookup(
    root: Path, types_path: Path, matrix_path: Path
) -> Callable[[str, str, str], str | None]:
    """:func:`olx.repo.history.entry_removed_in` for one target."""

    def entry_removed_in(value: str, release: str, deployment: str) -> str | None:
        from olx.repo import history

        return history.entry_removed_in(
            root, types_path, matrix_path, (value, release, deployment)
        )

    return entry_removed_in


def renamed_lookup(root: Path, types_path: Path) -> Callable[[str, str], str | None]:
    """:func:`olx.repo.history.value_left_member_in` for one target."""

    def value_left_member_in(value: str, member: str) -> str | None:
        from olx.repo import history

        return history.value_left_member_in(root, types_path, value, member)

    return value_left_member_in
