"""The one list envelope: `{"data": [...], "count": N}`, built in one place."""

from __future__ import annotations

from pathlib import Path

import kohort
from kohort.http.rendering import list_envelope
from kohort.http.schemas import WireModel


class Thing(WireModel):
    thing_id: str


def test_models_are_dumped_in_the_documented_casing_and_payloads_kept() -> None:
    envelope = list_envelope([Thing(thing_id="a"), {"thingId": "b", "expanded": {"x": 1}}], 7)
    assert envelope == {"data": [{"thingId": "a"}, {"thingId": "b", "expanded": {"x": 1}}], "count": 7}
    assert list(envelope) == ["data", "count"]  # the key order on the wire


def test_no_endpoint_builds_a_list_envelope_by_hand() -> None:
    source = Path(kohort.__file__).parent
    hand_built = [str(path.relative_to(source)) for path in source.rglob("*.py")
                  if path.parent.name != "http" and '"data":' in path.read_text()]
    assert hand_built == []
