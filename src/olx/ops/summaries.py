"""The summaries (commit subjects) of the entry edits: what the options did, in words a
reviewer reads (``Pin learning to verawood for mitx in willow``, ``Set
translation_overrides on learning for mitx in willow``), shortened to fit.
"""

from __future__ import annotations

from collections.abc import Sequence

from olx.core.wording import fit

# The override fields and the word for each in "Set branch of …" (said as what changed,
# never as the command that changed it: not "Override …").
OVERRIDES = {
    "branch_override": "branch",
    "origin_override": "origin",
    "runtime_version_override": "runtime",
}


def _lists(
    apps: Sequence[str], deployments: Sequence[str], releases: Sequence[str]
) -> list[tuple[Sequence[str], str]]:
    return [
        (apps, "apps"),
        (deployments, "deployments"),
        (releases, "releases"),
    ]


def entries_summary(
    verb: str,
    apps: Sequence[str],
    deployments: Sequence[str],
    releases: Sequence[str],
) -> str:
    """``Enable learning for mitx in ulmo`` (enable-app, disable-app)."""
    return fit(
        lambda a, d, r: f"{verb} {a} for {d} in {r}",
        *_lists(apps, deployments, releases),
    )


def override_summary(
    fields: dict[str, bool],
    pin: str | None,
    unpin: bool,
    apps: Sequence[str],
    deployments: Sequence[str],
    releases: Sequence[str],
) -> str:
    """What ``olx override`` does, said by what its options ask: ``fields`` maps each
    field to True (set) or False (removed); ``pin`` is the release an entry is pinned
    to, ``unpin`` whether it goes back on its block's release."""
    where = _lists(apps, deployments, releases)
    overrides = [OVERRIDES[f] for f, on in fields.items() if on and f in OVERRIDES]
    sets = [f for f, on in fields.items() if on and f not in OVERRIDES]
    unsets = [f for f, on in fields.items() if not on]
    kinds = [bool(overrides), bool(sets), bool(unsets), pin is not None, unpin]
    if sum(kinds) > 1:
        changed = [*overrides, *sets, *unsets] + (["pin"] if pin or unpin else [])
        return fit(
            lambda f, a, d, r: f"Change {f} of {a} for {d} in {r}",
            (changed, "fields"),
            *where,
        )
    if pin is not None:
        return fit(
            lambda a, d, r: f"Pin {a} to {pin} for {d} in {r}",
            *where,
        )
    if unpin:
        return fit(lambda a, d, r: f"Unpin {a} for {d} in {r}", *where)
    if overrides:
        return fit(
            lambda f, a, d, r: f"Set {f} of {a} for {d} in {r}",
            (overrides, "fields"),
            *where,
        )
    verb, names = ("Set", sets) if sets else ("Unset", unsets)
    return fit(
        lambda f, a, d, r: f"{verb} {f} on {a} for {d} in {r}",
        (names, "fields"),
        *where,
    )
