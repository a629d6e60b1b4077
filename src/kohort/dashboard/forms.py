"""The settings forms read into the API's own input schemas, so a form is held to exactly the rules of
`PATCH /payment-group-settings` (and `PATCH /brand-settings`): one definition of what is valid."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from kohort.errors import KohortError
from kohort.kit.money import round_half_up
from kohort.organization.schemas import GroupSettingsUpdate

MAX_LEVELS = 5
FIELD_LIMIT = 20  # characters of one number field


SchemaT = TypeVar("SchemaT", bound=BaseModel)


class FormInvalid(KohortError):
    """A settings form the API's rules refuse; the page shows it again with the message."""


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip()[:FIELD_LIMIT] if isinstance(value, str) else ""


def _euros_to_cents(raw: str, label: str) -> int:
    try:
        value = Decimal(raw.replace(",", ".").replace("\u00a0", "").replace(" ", ""))
    except InvalidOperation:
        raise FormInvalid(f"{label}: not an amount.", code="VALIDATION_ERROR") from None
    if not value.is_finite() or not 0 <= value <= 1_000_000:
        raise FormInvalid(f"{label}: between 0 and 1 000 000 €.", code="VALIDATION_ERROR")
    return round_half_up(value * 100)


def _whole(raw: str) -> Any:
    return int(raw) if raw.isdigit() else raw  # a non-number goes to the schema, which names the field


def ladder_update(form: Any) -> GroupSettingsUpdate:
    """The ladder editor's fields as the API's settings update."""
    levels = []
    for index in range(1, MAX_LEVELS + 1):
        participants, value = _text(form, f"level{index}_participants"), _text(form, f"level{index}_value")
        if participants or value:
            levels.append({"participantsToUnlock": _whole(participants), "value": _whole(value)})
    body: dict[str, Any] = {"discountType": _text(form, "discount_type") or None, "discountLevels": levels}
    for field, name in (("maxParticipants", "max_participants"), ("minutesDuration", "minutes_duration")):
        if _text(form, name):
            body[field] = _whole(_text(form, name))
    if _text(form, "min_purchase"):
        body["minPurchaseValue"] = _euros_to_cents(_text(form, "min_purchase"), "minimum purchase")
    return validated(GroupSettingsUpdate, body)


def validated(schema: type[SchemaT], body: dict[str, Any]) -> SchemaT:
    """`body` read by the API's input schema; its first complaint, named by field, as a FormInvalid."""
    try:
        return schema.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise FormInvalid(f"{where}: {first['msg']}", code="VALIDATION_ERROR") from None
