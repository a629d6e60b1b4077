"""The tenant of a request: one organization in one mode. Every merchant query is scoped by it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_
from sqlalchemy.sql.elements import ColumnElement


@dataclass(frozen=True, slots=True)
class Tenant:
    organization_id: str
    livemode: bool

    def owns(self, table: Table) -> ColumnElement[bool]:
        """The WHERE clause every tenant query starts from."""
        return and_(table.c.organization_id == self.organization_id, table.c.livemode == self.livemode)

    def stamp(self) -> dict[str, Any]:
        """Columns that place a new row in this tenant."""
        return {"organization_id": self.organization_id, "livemode": self.livemode}
