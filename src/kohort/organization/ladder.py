"""The discount ladder: the one home of every rule about levels (BEHAVIOUR.md §6).

Settlement, the group page, validate and the emails all ask this module which level a group has
reached, which comes next, which one a count unlocks and what an order earns at a level. The levels are
held in one internal shape (`DiscountLevel`); the wire's camelCase exists only in the schemas.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kohort.kit.money import percent_of

CENTS_PER_EURO = 100


class DiscountType(StrEnum):
    """PERCENTAGE: a whole percent of the order; AMOUNT: whole euros per order (BEHAVIOUR.md §6.2)."""

    PERCENTAGE = "PERCENTAGE"
    AMOUNT = "AMOUNT"


@dataclass(frozen=True, slots=True)
class DiscountLevel:
    level: int
    participants_to_unlock: int
    # Whole percent (PERCENTAGE) or whole euros (AMOUNT), as the original stores it.
    value: int

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> DiscountLevel:
        """A level as stored in JSON: snake_case, or the camelCase older rows were written in."""
        threshold = stored.get("participants_to_unlock", stored.get("participantsToUnlock"))
        return cls(level=int(stored["level"]), participants_to_unlock=int(threshold), value=int(stored["value"]))

    def to_stored(self) -> dict[str, int]:
        return {"level": self.level, "participants_to_unlock": self.participants_to_unlock, "value": self.value}

    @property
    def friends_to_unlock(self) -> int:
        """The friends an owner needs to bring: the owner is a participant too."""
        return self.participants_to_unlock - 1


@dataclass(frozen=True, slots=True)
class NextLevel:
    """The level after the current count, and how many more friends it takes."""

    level: DiscountLevel
    friends_needed: int


@dataclass(frozen=True, slots=True)
class Ladder:
    discount_type: DiscountType
    # Ascending by threshold, whatever order they were given in.
    levels: tuple[DiscountLevel, ...]

    @classmethod
    def of(cls, discount_type: str, levels: Iterable[DiscountLevel | Mapping[str, Any]]) -> Ladder:
        parsed = (level if isinstance(level, DiscountLevel) else DiscountLevel.from_stored(level) for level in levels)
        return cls(
            discount_type=DiscountType(discount_type),
            levels=tuple(sorted(parsed, key=lambda level: level.participants_to_unlock)),
        )

    @property
    def first(self) -> DiscountLevel | None:
        return self.levels[0] if self.levels else None

    @property
    def top(self) -> DiscountLevel | None:
        return self.levels[-1] if self.levels else None

    def reached(self, participants: int) -> DiscountLevel | None:
        """The highest level whose threshold is at most `participants`."""
        reached = None
        for level in self.levels:
            if level.participants_to_unlock <= participants:
                reached = level
        return reached

    def after_joining(self, participants: int) -> DiscountLevel | None:
        """What a shopper would unlock by joining now: the level for one more participant."""
        return self.reached(participants + 1)

    def next_level(self, participants: int) -> NextLevel | None:
        """The first level above `participants`, or None at the top of the ladder."""
        for level in self.levels:
            if level.participants_to_unlock > participants:
                return NextLevel(level=level, friends_needed=level.participants_to_unlock - participants)
        return None

    def unlocked_at(self, participants: int) -> DiscountLevel | None:
        """The level whose threshold is exactly `participants`: reaching that count unlocks it."""
        return next((level for level in self.levels if level.participants_to_unlock == participants), None)

    def cashback(self, level: DiscountLevel | None, amount: int) -> int:
        """What an order of `amount` cents earns at `level` (none reached: 0)."""
        return cashback_amount(discount_type=self.discount_type, value=level.value if level else 0, amount=amount)

    def provisional_cashback(self, participants: int, amount: int) -> int:
        """What an order would earn if the group ended now with `participants`."""
        return self.cashback(self.reached(participants), amount)


def cashback_amount(*, discount_type: str, value: int, amount: int) -> int:
    """PERCENTAGE: `amount × value / 100` rounded half-up (12 370 at 5 % → 619). AMOUNT: `value` whole
    euros (5 → 500 cents), not capped at the order amount, as in the original. A value of 0 earns 0,
    and so does an order refunded in full (net amount 0): it is no participant any more."""
    if value <= 0 or amount <= 0:
        return 0
    if discount_type == DiscountType.PERCENTAGE:
        return percent_of(amount, value)
    if discount_type == DiscountType.AMOUNT:
        return value * CENTS_PER_EURO
    raise ValueError(f"unknown discount type {discount_type!r}")
