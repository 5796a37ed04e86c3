"""Level combination (SPEC §1): `dr` anywhere denies; otherwise the most restrictive level wins."""

from hypothesis import given
from hypothesis import strategies as st
from nodeshare.model.levels import Level, combine

levels = st.sampled_from(list(Level))


def test_no_grant_means_no_level():
    assert combine([]) is None


@given(st.lists(levels, min_size=1))
def test_deny_anywhere_denies(grants):
    combined = combine([*grants, Level.DENY_READ])
    assert combined is Level.DENY_READ
    assert not combined.allows(Level.READ)


@given(st.lists(levels, min_size=1))
def test_most_restrictive_wins_and_order_does_not_matter(grants):
    combined = combine(grants)
    assert combined is not None
    assert all(combined.rank <= grant.rank for grant in grants)
    assert combined in grants
    assert combine(list(reversed(grants))) is combined


@given(levels, levels)
def test_a_level_allows_exactly_the_levels_below_it(have, need):
    expected = have is not Level.DENY_READ and have.rank >= need.rank
    assert have.allows(need) is expected


def test_order_is_dr_r_rw_rwp():
    assert [level.value for level in sorted(Level, key=lambda level: level.rank)] == ["dr", "r", "rw", "rwp"]
