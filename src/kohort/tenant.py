"""The tenant of a request: one organization in one mode. Every merchant query is scoped by it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy import Table, and_, bindparam
from sqlalchemy.sql.elements import ColumnElement


class TenantColumns(TypedDict):
    organization_id: str
    livemode: bool


class TenantParams(TypedDict):
    tenant_organization_id: str
    tenant_livemode: bool


@dataclass(frozen=True, slots=True)
class Tenant:
    organization_id: str
    livemode: bool

    def owns(self, table: Table) -> ColumnElement[bool]:
        """The WHERE clause every tenant query starts from."""
        return and_(table.c.organization_id == self.organization_id, table.c.livemode == self.livemode)

    def stamp(self) -> TenantColumns:
        """Columns that place a new row in this tenant."""
        return {"organization_id": self.organization_id, "livemode": self.livemode}

    def params(self) -> TenantParams:
        """The values of `tenant_scope`'s parameters."""
        return {"tenant_organization_id": self.organization_id, "tenant_livemode": self.livemode}


def tenant_scope(table: Table) -> ColumnElement[bool]:
    """`Tenant.owns` with bound parameters in place of values, for hot-path statements built once at
    import (building and hashing a statement per request costs more CPU than running it). Execute
    them with `tenant.params()`; a missing tenant is an error, never an unscoped query."""
    return and_(
        table.c.organization_id == bindparam("tenant_organization_id", required=True),
        table.c.livemode == bindparam("tenant_livemode", required=True),
    )
