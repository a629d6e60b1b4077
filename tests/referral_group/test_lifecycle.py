"""referral_group.lifecycle: the pure rules (levels, schedule, cancel/expire refusals)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kohort.models import GroupStatus, ReminderState
from kohort.organization.ladder import DiscountLevel, DiscountType, Ladder
from kohort.referral_group import lifecycle
from kohort.referral_group.domain import ReferralGroup

LEVELS = [
    DiscountLevel(level=1, participants_to_unlock=2, value=5),
    DiscountLevel(level=2, participants_to_unlock=5, value=10),
    DiscountLevel(level=3, participants_to_unlock=10, value=15),
]
NOW = datetime(2025, 3, 10, 15, 30, 0, tzinfo=UTC)


def ladder(levels: list[DiscountLevel]) -> Ladder:
    return Ladder.of(DiscountType.PERCENTAGE, levels)


def test_level_reached() -> None:
    assert ladder(LEVELS).reached(1) is None
    assert [ladder(LEVELS).reached(n).value for n in (2, 4, 5, 9, 10, 15)] == [5, 5, 10, 10, 15, 15]  # type: ignore[union-attr]


def test_level_reached_does_not_rely_on_list_order() -> None:
    assert ladder(list(reversed(LEVELS))).reached(6) == LEVELS[1]


def test_level_after_joining_counts_the_joiner() -> None:
    assert ladder(LEVELS).after_joining(1) == LEVELS[0]  # owner alone: a friend unlocks level 1
    assert ladder(LEVELS).after_joining(4) == LEVELS[1]
    assert ladder([]).after_joining(4) is None


def test_a_group_row_holding_camel_case_levels_still_reads() -> None:
    """Rows written before levels were stored in snake_case (a database not yet migrated)."""
    row = group_row(discount_levels=[{"level": 1, "participantsToUnlock": 2, "value": 5}])
    assert ReferralGroup.from_row(row).discount_levels == (LEVELS[0],)


def test_short_group_has_a_midpoint_only() -> None:
    planned = lifecycle.schedule(NOW, minutes_duration=10_080)
    assert planned["expires_at"] == NOW + timedelta(days=7)
    assert planned["mid_expire_at"] == NOW + timedelta(days=3, hours=12)
    assert planned["j_plus3_start_at"] is None
    assert planned["j_minus2_expire_at"] is None


def test_ten_minute_group_midpoint() -> None:
    planned = lifecycle.schedule(NOW, minutes_duration=10)
    assert planned["expires_at"] == NOW + timedelta(minutes=10)
    assert planned["mid_expire_at"] == NOW + timedelta(minutes=5)


def test_odd_duration_midpoint_keeps_milliseconds() -> None:
    planned = lifecycle.schedule(NOW, minutes_duration=1)
    assert planned["mid_expire_at"] == NOW + timedelta(seconds=30)
    assert lifecycle.schedule(NOW, minutes_duration=10, expires_at=NOW + timedelta(milliseconds=3))[
        "mid_expire_at"
    ] == NOW + timedelta(milliseconds=1)


def test_long_group_has_the_two_reminders_at_eight() -> None:
    planned = lifecycle.schedule(NOW, minutes_duration=129_600)  # 90 days
    end = NOW + timedelta(days=90)
    assert planned["expires_at"] == end
    assert planned["mid_expire_at"] is None
    assert planned["j_plus3_start_at"] == datetime(2025, 3, 17, 8, 0, tzinfo=UTC)  # creation + 7 days, 08:00
    assert planned["j_minus2_expire_at"] == datetime.combine(
        (end - timedelta(days=5)).date(), datetime.min.time(), tzinfo=UTC
    ) + timedelta(hours=8)


def test_explicit_end_wins_over_the_duration() -> None:
    end = NOW + timedelta(days=2)
    planned = lifecycle.schedule(NOW, minutes_duration=10_080, expires_at=end)
    assert planned["expires_at"] == end
    assert planned["mid_expire_at"] == NOW + timedelta(days=1)


def group_row(**fields: object) -> list[object]:
    values: dict[str, object] = {
        "id": "pg_1", "organization_id": "org_1", "livemode": False, "share_id": "KH-1", "share_key": "KH-1",
        "customer_id": "cus_1", "creator_email": None, "status": "OPEN", "metadata": None,
        "expires_at": NOW + timedelta(hours=1), "mid_expire_at": None, "j_minus2_expire_at": None,
        "j_plus3_start_at": None, "reminder_email_sent": "NOT_SENT", "canceled_at": None, "completed_at": None,
        "participant_count": 1, "settings_id": "pgset_1", "discount_type": "PERCENTAGE",
        "discount_levels": [level.to_stored() for level in LEVELS], "max_participants": 15,
        "minutes_duration": 60, "min_purchase_value": 0, "created_at": NOW, "created_by": None,
        "updated_at": NOW, "updated_by": None, "cashback_hold_days": 0, "cashback_available_at": None,
        "cashback_released_at": None, **fields,
    }
    return list(values.values())


def group(**fields: object) -> ReferralGroup:
    built = ReferralGroup.from_row(group_row(**fields))
    assert built.status in GroupStatus
    assert built.reminder_email_sent == ReminderState.NOT_SENT
    return built


def test_cancel_refusals() -> None:
    assert lifecycle.cancel_refusal(group(), NOW) is None
    assert lifecycle.cancel_refusal(group(participant_count=2), NOW) is not None
    assert lifecycle.cancel_refusal(group(status="EXPIRED"), NOW) is not None
    assert lifecycle.cancel_refusal(group(expires_at=NOW - timedelta(seconds=1)), NOW) is not None


def test_expire_refusals() -> None:
    past = NOW - timedelta(seconds=1)
    assert lifecycle.expire_refusal(group(expires_at=past), NOW) is None
    assert "still in progress" in (lifecycle.expire_refusal(group(), NOW) or "")
    assert lifecycle.expire_refusal(group(expires_at=past, participant_count=2), NOW) is not None
    assert lifecycle.expire_refusal(group(expires_at=past, status="CANCELED"), NOW) is not None


def test_is_joinable() -> None:
    assert lifecycle.is_joinable(group(), NOW)
    assert not lifecycle.is_joinable(group(expires_at=NOW), NOW)
    assert not lifecycle.is_joinable(group(status="COMPLETED"), NOW)
