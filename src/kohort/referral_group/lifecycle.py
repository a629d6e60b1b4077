"""The group's rules as pure functions: schedule, and which transitions are allowed (levels: organization.ladder).

No I/O here, so every rule is testable with plain values.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from kohort.models import GroupStatus
from kohort.referral_group.domain import ReferralGroup

TERMINAL_STATUSES = frozenset({GroupStatus.COMPLETED, GroupStatus.CANCELED, GroupStatus.EXPIRED})

# Groups of up to 7 days get one "midway" reminder; longer ones get the J+7 and J−5 reminders (§5.2).
SHORT_GROUP_MINUTES = 10_080
REMINDER_HOUR = time(8, 0)


def schedule(now: datetime, *, minutes_duration: int, expires_at: datetime | None = None) -> dict[str, datetime | None]:
    """`expiresAt` and the reminder instants of a group created at `now` (BEHAVIOUR.md §5.2)."""
    end = expires_at or now + timedelta(minutes=minutes_duration)
    if minutes_duration <= SHORT_GROUP_MINUTES:
        half = (end - now) / 2
        midpoint = now + timedelta(milliseconds=int(half.total_seconds() * 1000))
        return {"expires_at": end, "mid_expire_at": midpoint, "j_plus3_start_at": None, "j_minus2_expire_at": None}
    return {
        "expires_at": end,
        "mid_expire_at": None,
        # Named after the original's columns; they hold creation + 7 days and end − 5 days, at 08:00 UTC.
        "j_plus3_start_at": datetime.combine((now + timedelta(days=7)).date(), REMINDER_HOUR, tzinfo=now.tzinfo),
        "j_minus2_expire_at": datetime.combine((end - timedelta(days=5)).date(), REMINDER_HOUR, tzinfo=end.tzinfo),
    }


def is_joinable(group: ReferralGroup, now: datetime) -> bool:
    return group.status == GroupStatus.OPEN and group.expires_at > now


def cancel_refusal(group: ReferralGroup, now: datetime) -> str | None:
    """Why a group cannot be canceled, or None: open, not past its end, only its owner in it."""
    if not is_joinable(group, now):
        return f"Payment group {group.id} is not cancelable: it is {group.status} or past its end."
    if group.participant_count > 1:
        return f"Payment group {group.id} is not cancelable because it has participants."
    return None


def expire_refusal(group: ReferralGroup, now: datetime) -> str | None:
    """Why a group cannot be expired by hand, or None: open, past its end, only its owner in it."""
    if group.status != GroupStatus.OPEN:
        return f"Payment group {group.id} is already canceled, expired or completed."
    if group.expires_at > now:
        return f"Payment group {group.id} is still in progress."
    if group.participant_count > 1:
        return f"Payment group {group.id} cannot be expired because it has participants."
    return None
