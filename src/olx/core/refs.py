"""The refs of a remote repository, and what olx reads in them (pure: no I/O).

``git ls-remote --heads --tags`` lists a repository's branches and tags; this module
parses that list (:func:`parse_ls_remote`), says whether a branch the matrix names
exists (a branch or a tag of that name: the pipelines' clone takes either), finds the
closest existing names when it does not (:func:`closest`), and reads the named Open edX
releases a repository has cut (:func:`named_releases`): branches ``release/NAME``,
``release/NAME.master``, ``open-release/NAME.master`` and tags ``release/NAME.N``,
``open-release/NAME.N``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from olx.core.model import NEWEST_NAMES, Release, release_rank

# The branch schemes of a named release, in the order olx prefers them when the
# newest supported release gives no hint (the newest scheme first).
BRANCH_SCHEMES = ("release/{}", "open-release/{}.master", "release/{}.master")
_NAME = r"[a-z][a-z0-9_]*"
_BRANCH = re.compile(
    rf"(?:release/({_NAME})(?:\.master)?|open-release/({_NAME})\.master)\Z"
)
_TAG = re.compile(rf"(?:open-)?release/({_NAME})\.([0-9]+)\Z")
# A default branch renamed one way or the other.
_ALIASES = {"master": ("main",), "main": ("master",)}
MAX_CLOSEST = 3


@dataclass(frozen=True)
class Refs:
    """A repository's branches (``heads``) and tags, by short name."""

    heads: frozenset[str]
    tags: frozenset[str]

    def has(self, branch: str) -> bool:
        """Whether ``branch`` names a branch or a tag (``refs/heads/x`` and
        ``refs/tags/x`` name only that kind)."""
        if branch.startswith("refs/heads/"):
            return branch[len("refs/heads/") :] in self.heads
        if branch.startswith("refs/tags/"):
            return branch[len("refs/tags/") :] in self.tags
        return branch in self.heads or branch in self.tags

    def to_json(self) -> dict[str, list[str]]:
        return {"heads": sorted(self.heads), "tags": sorted(self.tags)}

    @classmethod
    def from_json(cls, data: Any) -> Refs:
        """The inverse of :meth:`to_json`; ``ValueError`` for anything else."""
        if not isinstance(data, dict):
            raise ValueError("not an object")

        def names(value: object) -> frozenset[str]:
            if not isinstance(value, list) or not all(
                isinstance(n, str) for n in value
            ):
                raise ValueError("heads and tags must be lists of names")
            return frozenset(value)

        return cls(names(data.get("heads")), names(data.get("tags")))


def parse_ls_remote(text: str) -> Refs:
    """``<sha>\\trefs/heads/<name>`` and ``<sha>\\trefs/tags/<name>[^{}]`` lines →
    :class:`Refs`; any other line is ignored."""
    heads: set[str] = set()
    tags: set[str] = set()
    for line in text.splitlines():
        _, tab, ref = line.partition("\t")
        if not tab:
            continue
        ref = ref.strip()
        if ref.startswith("refs/heads/"):
            heads.add(ref[len("refs/heads/") :])
        elif ref.startswith("refs/tags/"):
            tags.add(ref[len("refs/tags/") :].removesuffix("^{}"))
    return Refs(frozenset(heads), frozenset(tags))


# --- named releases ----------------------------------------------------------------


def release_of_branch(name: str) -> str | None:
    """The release a branch name follows a named-release scheme for, else None."""
    match = _BRANCH.match(name)
    return (match.group(1) or match.group(2)) if match else None


def release_of_tag(name: str) -> tuple[str, int] | None:
    """(release, N) of a tag ``release/NAME.N`` or ``open-release/NAME.N``."""
    match = _TAG.match(name)
    return (match.group(1), int(match.group(2))) if match else None


def scheme_of(branch: str | None) -> str | None:
    """The scheme (``release/{}``, ...) that ``branch`` follows, if any."""
    if branch is None:
        return None
    name = release_of_branch(branch)
    if name is None:
        return None
    for scheme in BRANCH_SCHEMES:
        if scheme.format(name) == branch:
            return scheme
    return None


@dataclass(frozen=True)
class NamedRelease:
    """A named release as a repository has it: its branches (in olx's order of
    preference) and tags (newest first)."""

    name: str
    branches: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


def named_releases(refs: Refs) -> dict[str, NamedRelease]:
    """Every named release ``refs`` holds, by name."""
    branches: dict[str, list[str]] = {}
    tags: dict[str, list[tuple[int, str]]] = {}
    for head in refs.heads:
        name = release_of_branch(head)
        if name is not None:
            branches.setdefault(name, []).append(head)
    for tag in refs.tags:
        found = release_of_tag(tag)
        if found is not None:
            tags.setdefault(found[0], []).append((found[1], tag))
    out = {}
    for name in set(branches) | set(tags):
        order = [s.format(name) for s in BRANCH_SCHEMES]
        out[name] = NamedRelease(
            name,
            tuple(sorted(branches.get(name, []), key=order.index)),
            tuple(t for _, t in sorted(tags.get(name, []), reverse=True)),
        )
    return out


def preferred_branch(release: NamedRelease, scheme: str | None) -> str | None:
    """The branch to suggest for ``release``: the one in ``scheme`` (the newest
    supported release's) when it exists, else the first existing in olx's order."""
    if scheme is not None and scheme.format(release.name) in release.branches:
        return scheme.format(release.name)
    return release.branches[0] if release.branches else None


# --- the closest existing names -----------------------------------------------------


def closest(branch: str, refs: Refs, limit: int = MAX_CLOSEST) -> list[str]:
    """The existing names most likely meant by a missing ``branch``, best first.

    In order: the same release under another scheme (``release/teak.master`` →
    ``release/teak``, then its newest tags), the other default branch (``master`` ↔
    ``main``), a branch that ends with the same path (``release`` → ``2u/release``);
    when none of those exists, names that are spelled alike (branches before tags).
    """
    out: list[str] = []

    def add(names: Iterable[str]) -> None:
        for name in names:
            if name != branch and name not in out and len(out) < limit:
                out.append(name)

    bare = branch.removeprefix("refs/heads/").removeprefix("refs/tags/")
    release = release_of_branch(bare) or (release_of_tag(bare) or (None,))[0]
    if release is not None:
        found = named_releases(refs).get(release)
        if found is not None:
            add(found.branches)
            add(found.tags[:2])
    add(a for a in _ALIASES.get(bare, ()) if a in refs.heads)
    add(sorted(h for h in refs.heads if h.endswith("/" + bare)))
    add(sorted(h for h in refs.heads if bare.endswith("/" + h)))
    if out:
        return out  # a rename found: names merely spelled alike would be noise
    add(difflib.get_close_matches(bare, sorted(refs.heads), n=limit, cutoff=0.6))
    add(difflib.get_close_matches(bare, sorted(refs.tags), n=limit, cutoff=0.75))
    return out


# --- olx upstream -------------------------------------------------------------------


@dataclass
class Upstream:
    """What ``olx upstream`` found in a repository's refs: the named releases to add
    (newest first) and the supported releases whose branch is gone."""

    repository: str
    new: list[dict[str, Any]] = field(default_factory=list)
    gone: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"repository": self.repository, "new": self.new, "gone": self.gone}


def compare_upstream(releases: list[Release], refs: Refs, repository: str) -> Upstream:
    """The named releases ``refs`` has and ``releases`` (the Enum) lacks, newer than
    the oldest supported named release (all of them when none is supported), newest
    first; and every supported release whose branch is neither a branch nor a tag.

    Each new release comes with the ``olx add-release`` command that adds it: its
    branch in the scheme of the newest supported named release when upstream has that
    one, else the first that exists (:data:`BRANCH_SCHEMES`); a release upstream has
    only tags of is suggested at its newest tag (``"branch": null``).
    """
    supported = {r.name for r in releases}
    named = [r for r in releases if r.name not in NEWEST_NAMES]
    oldest = min((r.name for r in named), key=release_rank, default=None)
    newest = max(named, key=lambda r: release_rank(r.name), default=None)
    scheme = scheme_of(newest.branch) if newest is not None else None
    out = Upstream(repository)
    found = named_releases(refs)
    for name in sorted(found, key=release_rank, reverse=True):
        if name in supported or name in NEWEST_NAMES:
            continue
        if oldest is not None and release_rank(name) <= release_rank(oldest):
            continue
        release = found[name]
        branch = preferred_branch(release, scheme)
        out.new.append(
            {
                "name": name,
                "branch": branch,
                "branches": list(release.branches),
                "tags": list(release.tags),
                "command": f"olx add-release {name} --branch {branch or release.tags[0]}",
            }
        )
    for rel in releases:
        if rel.branch and not refs.has(rel.branch):
            out.gone.append(
                {
                    "name": rel.name,
                    "branch": rel.branch,
                    "closest": closest(rel.branch, refs),
                }
            )
    return out
