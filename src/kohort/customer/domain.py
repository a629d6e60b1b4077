"""The customer (shopper) as the rest of the code sees it: a frozen value built from its row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from kohort.models import customers
from kohort.models.base import check_row_shape
from kohort.tenant import Tenant

__all__ = ["Customer", "CustomerChanges"]


@dataclass(frozen=True, slots=True)
class Customer:
    id: str
    organization_id: str
    livemode: bool
    email_address: str
    # Lower-cased email: what uniqueness and lookups compare.
    email_key: str
    first_name: str | None
    last_name: str | None
    phone_number: str | None
    locale: str
    is_blocked: bool
    blocked_at: datetime | None
    blocked_by: str | None
    client_reference_id: str | None
    metadata: dict[str, str] | None
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    updated_by: str | None
    deleted_at: datetime | None
    erased_at: datetime | None
    erased_by: str | None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Customer:
        """From a row of `select(customers)` (by position: the order path looks one up per request)."""
        return cls(*row)

    @property
    def tenant(self) -> Tenant:
        return Tenant(self.organization_id, self.livemode)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None



class CustomerChanges(TypedDict, total=False):
    """The columns an update sets; a key left out keeps its value."""

    email_address: str
    email_key: str
    first_name: str | None
    last_name: str | None
    phone_number: str | None
    locale: str
    client_reference_id: str | None
    metadata: dict[str, str] | None
    is_blocked: bool
    blocked_at: datetime | None
    blocked_by: str | None
    deleted_at: datetime | None
    erased_at: datetime
    erased_by: str
    updated_at: datetime
    updated_by: str


check_row_shape(customers, Customer)
