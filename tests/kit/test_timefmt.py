"""kit.timefmt: the wire form of a timestamp."""

import re
from datetime import UTC, datetime, timedelta, timezone

from kohort.kit.timefmt import iso_z


def test_milliseconds_and_z() -> None:
    assert iso_z(datetime(2021, 7, 22, 0, 0, 0, tzinfo=UTC)) == "2021-07-22T00:00:00.000Z"
    assert iso_z(datetime(2021, 7, 22, 13, 4, 5, 678_999, tzinfo=UTC)) == "2021-07-22T13:04:05.678Z"


def test_other_offsets_are_converted_to_utc() -> None:
    paris = timezone(timedelta(hours=2))
    assert iso_z(datetime(2021, 7, 22, 2, 0, tzinfo=paris)) == "2021-07-22T00:00:00.000Z"


def test_none_stays_none() -> None:
    assert iso_z(None) is None


def test_shape() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", iso_z(datetime.now(UTC)) or "")
