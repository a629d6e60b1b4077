"""organization.ladder: next level, the level a count unlocks exactly, and provisional cashback."""

from __future__ import annotations

from kohort.organization.ladder import DiscountLevel, DiscountType, Ladder, NextLevel

LEVELS = (
    DiscountLevel(level=1, participants_to_unlock=2, value=5),
    DiscountLevel(level=2, participants_to_unlock=5, value=10),
    DiscountLevel(level=3, participants_to_unlock=10, value=15),
)
PERCENT = Ladder.of(DiscountType.PERCENTAGE, LEVELS)
EUROS = Ladder.of(DiscountType.AMOUNT, LEVELS)


def test_next_level_counts_the_friends_still_needed() -> None:
    assert PERCENT.next_level(1) == NextLevel(level=LEVELS[0], friends_needed=1)
    assert PERCENT.next_level(2) == NextLevel(level=LEVELS[1], friends_needed=3)
    assert PERCENT.next_level(9) == NextLevel(level=LEVELS[2], friends_needed=1)


def test_there_is_no_next_level_at_the_top() -> None:
    assert PERCENT.next_level(10) is None
    assert PERCENT.next_level(14) is None
    assert Ladder.of(DiscountType.PERCENTAGE, []).next_level(1) is None


def test_only_the_exact_threshold_unlocks_a_level() -> None:
    assert [PERCENT.unlocked_at(n) for n in (1, 2, 3, 5, 6, 10, 11)] == [
        None, LEVELS[0], None, LEVELS[1], None, LEVELS[2], None]


def test_provisional_cashback_is_that_of_the_level_reached_now() -> None:
    assert PERCENT.provisional_cashback(1, 12_370) == 0  # the owner alone has reached nothing yet
    assert PERCENT.provisional_cashback(2, 12_370) == 619  # 5 %, half-up
    assert PERCENT.provisional_cashback(7, 3_000) == 300  # 10 %
    assert EUROS.provisional_cashback(12, 3_000) == 1_500  # 15 whole euros, not capped by the amount


def test_the_friends_a_level_needs_leave_the_owner_out() -> None:
    assert [level.friends_to_unlock for level in PERCENT.levels] == [1, 4, 9]
