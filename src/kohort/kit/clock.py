"""The one source of time. Everything asks `clock.now()`; tests swap in a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time, tz-aware UTC, truncated to milliseconds (the wire precision)."""

    def now(self) -> datetime:
        moment = datetime.now(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class FrozenClock(Clock):
    """A clock that only moves when told to; for tests."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment


class Installed(Clock):
    """Whichever clock is installed process-wide at the moment it is asked (see `use`)."""

    def now(self) -> datetime:
        return clock.now()


clock: Clock = Clock()


def now() -> datetime:
    return clock.now()


def use(new_clock: Clock) -> Clock:
    """Install `new_clock` process-wide and return the previous one."""
    global clock
    previous, clock = clock, new_clock
    return previous
