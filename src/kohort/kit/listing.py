"""List parameters shared by every collection: take/skip, orderBy, search and expand.

The search syntax is the original's (`status:"OPEN"`, `amount>=500`, `a:"x" OR a:"y"`, conditions joined
by commas), with two fixes: it can only add conditions to the caller's tenant filter, never replace
it, and a bad field, operator or value is a 400 instead of a silent no-op or a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, Integer, Table, TypeDecorator, and_, or_
from sqlalchemy.sql.elements import ColumnElement
from starlette.datastructures import QueryParams

from kohort.kit.casing import to_camel
from kohort.kit.numbers import NumberTooLarge, bounded_int

DEFAULT_TAKE = 25
MAX_TAKE = 100
MAX_SKIP = 1_000_000
MAX_SEARCH_LENGTH = 1000

class InvalidListParameter(ValueError):
    """A bad take/skip/orderBy/search/expand; rendered as a 400 by the API's error handler."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# Longest first so that ">=" wins over ">" at the same position.
_OPERATORS = (">=", "<=", ">", "<", "=", ":", "~", "!")


@dataclass(frozen=True)
class ListParams:
    take: int
    skip: int
    order_field: str
    descending: bool
    search: str | None
    expand: frozenset[str]


def _non_negative_int(params: QueryParams, name: str, default: int, maximum: int, minimum: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = bounded_int(raw)
    except NumberTooLarge:
        raise InvalidListParameter(f"{name} must be between {minimum} and {maximum}.", code="INVALID_PARAMETER") from None
    except ValueError:
        raise InvalidListParameter(f"{name} must be an integer.", code="INVALID_PARAMETER") from None
    if not minimum <= value <= maximum:
        raise InvalidListParameter(f"{name} must be between {minimum} and {maximum}.", code="INVALID_PARAMETER")
    return value


def parse_list_params(params: QueryParams) -> ListParams:
    take = _non_negative_int(params, "take", DEFAULT_TAKE, MAX_TAKE, 1)
    skip = _non_negative_int(params, "skip", 0, MAX_SKIP, 0)
    order_by = params.get("orderBy") or params.get("order_by") or "createdAt:desc"
    field, _, direction = order_by.partition(":")
    direction = direction.strip().lower() or "asc"  # the documented default direction
    if direction not in ("asc", "desc"):
        raise InvalidListParameter("orderBy must look like field:asc or field:desc.", code="INVALID_PARAMETER")
    search = params.get("search")
    if search is not None and len(search) > MAX_SEARCH_LENGTH:
        raise InvalidListParameter(f"search may be at most {MAX_SEARCH_LENGTH} characters.", code="INVALID_PARAMETER")
    expand = params.getlist("expand[]") + params.getlist("expand")
    return ListParams(
        take=take,
        skip=skip,
        order_field=to_camel(field.strip()),
        descending=direction == "desc",
        search=search or None,
        expand=frozenset(".".join(to_camel(part) for part in item.split(".")) for item in expand if item),
    )


def wire_columns(table: Table, *, exclude: frozenset[str] = frozenset()) -> dict[str, Column[Any]]:
    """Columns addressable by their camelCase wire name in search and orderBy (JSON columns excluded)."""
    return {
        to_camel(column.name): column
        for column in table.columns
        if column.name not in exclude and not isinstance(column.type, JSON)
    }


def order_clause(columns: dict[str, Column[Any]], params: ListParams, tiebreaker: Column[Any]) -> list[Any]:
    column = columns.get(params.order_field)
    if column is None:
        raise InvalidListParameter(
            f"Cannot order by {params.order_field!r}; use one of: {', '.join(sorted(columns))}.",
            code="INVALID_PARAMETER",
        )
    if params.descending:
        return [column.desc(), tiebreaker.desc()]
    return [column.asc(), tiebreaker.asc()]


def _typed_value(column: Column[Any], raw: str) -> Any:
    column_type = column.type
    # A TypeDecorator (e.g. the UTC timestamp type) reports `object` as its python_type; what it
    # stores is its implementation's type.
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    if isinstance(column_type, Boolean):
        if raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        raise InvalidListParameter(f"search: {to_camel(column.name)} expects true or false.", code="INVALID_SEARCH")
    if isinstance(column_type, Integer | BigInteger):
        try:
            number = bounded_int(raw)
        except NumberTooLarge:
            raise InvalidListParameter(f"search: {to_camel(column.name)} is out of range.", code="INVALID_SEARCH") from None
        except ValueError:
            raise InvalidListParameter(f"search: {to_camel(column.name)} expects a number.", code="INVALID_SEARCH") from None
        # Beyond the column's range the database driver fails (a 500), so say it here.
        bits = 64 if isinstance(column_type, BigInteger) else 32
        if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
            raise InvalidListParameter(f"search: {to_camel(column.name)} is out of range.", code="INVALID_SEARCH")
        return number
    if column_type.python_type is datetime:
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidListParameter(f"search: {to_camel(column.name)} expects a date.", code="INVALID_SEARCH") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return raw


def _condition(columns: dict[str, Column[Any]], text: str) -> ColumnElement[bool]:
    found = [(text.find(op), -len(op), op) for op in _OPERATORS if op in text]
    if not found:
        raise InvalidListParameter(f"search: {text.strip()!r} has no operator (use : ~ ! > < >= <=).", code="INVALID_SEARCH")
    position, _, operator = min(found)
    field = to_camel(text[:position].strip())
    raw = text[position + len(operator) :].strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        raw = raw[1:-1]
    column = columns.get(field)
    if column is None:
        raise InvalidListParameter(
            f"search: unknown field {field!r}; use one of: {', '.join(sorted(columns))}.", code="INVALID_SEARCH"
        )
    value: object = _typed_value(column, raw)
    if operator in (":", "="):
        return column == value
    if operator == "!":
        return column != value
    if operator == "~":
        if not isinstance(value, str):
            raise InvalidListParameter(f"search: ~ only applies to text fields, not {field!r}.", code="INVALID_SEARCH")
        return column.contains(value, autoescape=True)
    if isinstance(value, bool):
        raise InvalidListParameter(f"search: {operator} does not apply to {field!r}.", code="INVALID_SEARCH")
    comparisons = {">": column > value, "<": column < value, ">=": column >= value, "<=": column <= value}
    return comparisons[operator]


def search_clause(columns: dict[str, Column[Any]], search: str | None) -> ColumnElement[bool] | None:
    """The conditions of a `search=` string, to be ANDed with (never to replace) the tenant filter."""
    if not search:
        return None
    clauses: list[ColumnElement[bool]] = []
    for part in search.split(","):  # already URL-decoded once by the server
        if not part.strip():
            continue
        if " OR " in part:
            clauses.append(or_(*(_condition(columns, item) for item in part.split(" OR "))))
        elif " AND " in part:
            clauses.append(and_(*(_condition(columns, item) for item in part.split(" AND "))))
        else:
            clauses.append(_condition(columns, part))
    return and_(*clauses) if clauses else None
