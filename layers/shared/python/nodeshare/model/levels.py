"""Access levels (BuildingDepot): `dr` < `r` < `rw` < `rwp`, and how several of them combine.

`dr` is an explicit deny. When several grants apply to one user and one node, `dr` anywhere
denies; otherwise the most restrictive level wins (SPEC §1, "Grant").
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Level(StrEnum):
    DENY_READ = "dr"
    READ = "r"
    READ_WRITE = "rw"
    READ_WRITE_PERMISSION = "rwp"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def allows(self, needed: Level) -> bool:
        """True when this level is at least `needed` (and is not a deny)."""
        return self is not Level.DENY_READ and self.rank >= needed.rank


_RANK = {Level.DENY_READ: 0, Level.READ: 1, Level.READ_WRITE: 2, Level.READ_WRITE_PERMISSION: 3}

# RainMaker's secondary user may read and write params: level `rw` unless the primary says otherwise.
DEFAULT_SECONDARY_LEVEL = Level.READ_WRITE


def combine(levels: Iterable[Level]) -> Level | None:
    """The effective level of several applicable grants; None when no grant applies."""
    collected = list(levels)
    if not collected:
        return None
    return min(collected, key=lambda level: level.rank)
