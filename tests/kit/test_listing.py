"""kit.listing: take/skip/orderBy/expand parsing and the search syntax, without a database."""

from __future__ import annotations

import pytest
from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table
from sqlalchemy.dialects import sqlite
from starlette.datastructures import QueryParams

from kohort.kit.listing import (
    DEFAULT_TAKE,
    MAX_TAKE,
    InvalidListParameter,
    parse_list_params,
    search_clause,
    wire_columns,
)
from kohort.models import orders, payment_groups

things = Table(
    "things",
    MetaData(),
    Column("id", String(40), primary_key=True),
    Column("status", String(12)),
    Column("amount", Integer),
    Column("livemode", Boolean),
    Column("customer_email", String(255)),
)
COLUMNS = wire_columns(things)


def sql(search: str) -> str:
    clause = search_clause(COLUMNS, search)
    assert clause is not None
    return str(clause.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def test_defaults() -> None:
    params = parse_list_params(QueryParams(""))
    assert (params.take, params.skip, params.order_field, params.descending) == (DEFAULT_TAKE, 0, "createdAt", True)
    assert params.search is None
    assert params.expand == frozenset()


def test_take_skip_order_and_expand() -> None:
    params = parse_list_params(
        QueryParams("take=100&skip=7&order_by=amount:asc&expand[]=payment_group&expand=customer")
    )
    assert (params.take, params.skip, params.order_field, params.descending) == (MAX_TAKE, 7, "amount", False)
    assert params.expand == frozenset({"paymentGroup", "customer"})


@pytest.mark.parametrize(
    "query", ["take=0", "take=101", "take=abc", "take=-1", "skip=-1", "skip=x", "orderBy=amount:sideways", "take=1.5"]
)
def test_bad_parameters_are_refused(query: str) -> None:
    with pytest.raises(InvalidListParameter) as raised:
        parse_list_params(QueryParams(query))
    assert raised.value.code == "INVALID_PARAMETER"


def test_equals_and_quotes() -> None:
    assert sql('status:"OPEN"') == "things.status = 'OPEN'"


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("amount>=500", "things.amount >= 500"),
        ("amount<=500", "things.amount <= 500"),
        ("amount>500", "things.amount > 500"),
        ("amount<500", "things.amount < 500"),
        ("amount!500", "things.amount != 500"),
        ("livemode:true", "things.livemode = 1"),
    ],
)
def test_operators(search: str, expected: str) -> None:
    assert sql(search) == expected


def test_contains_is_escaped() -> None:
    # A literal % in the value must not act as a wildcard.
    assert sql("customerEmail~a%b") == "(things.customer_email LIKE '%' || 'a/%b' || '%' ESCAPE '/')"


def test_or_within_a_condition_and_commas_between_conditions() -> None:
    assert sql('status:"OPEN" OR status:"EXPIRED",amount>100') == (
        "(things.status = 'OPEN' OR things.status = 'EXPIRED') AND things.amount > 100"
    )


def test_and_within_a_condition() -> None:
    assert sql("amount>100 AND amount<200") == "things.amount > 100 AND things.amount < 200"


def test_snake_case_field_names_are_accepted() -> None:
    assert sql('customer_email:"a@b.c"') == "things.customer_email = 'a@b.c'"


@pytest.mark.parametrize(
    "search",
    [
        "nope:1",  # unknown field
        "status",  # no operator
        "amount>abc",  # not a number
        "livemode:maybe",  # not a boolean
        "amount~5",  # contains on a number
        "livemode>true",  # ordering a boolean
        "amount>=99999999999999999999999",  # beyond any stored amount
    ],
)
def test_bad_searches_are_refused(search: str) -> None:
    with pytest.raises(InvalidListParameter) as raised:
        search_clause(COLUMNS, search)
    assert raised.value.code == "INVALID_SEARCH"


def test_timestamp_columns_take_dates() -> None:
    columns = wire_columns(orders)
    clause = search_clause(columns, 'createdAt>="2021-01-01"')
    assert clause is not None
    value = clause.compile().params
    assert [moment.isoformat() for moment in value.values()] == ["2021-01-01T00:00:00+00:00"]
    with pytest.raises(InvalidListParameter):
        search_clause(wire_columns(payment_groups), "expiresAt>yesterday")


def test_json_columns_are_not_searchable() -> None:
    assert "metadata" not in wire_columns(orders)


def test_numbers_beyond_the_column_range_are_400() -> None:
    # The database drivers refuse them (asyncpg: "value out of int64 range"; SQLite: OverflowError).
    with pytest.raises(InvalidListParameter):
        search_clause(wire_columns(orders), f"amount>{2**63}")
    assert search_clause(wire_columns(orders), f"amount<{2**63 - 1}") is not None
    with pytest.raises(InvalidListParameter):
        search_clause(wire_columns(payment_groups), f"maxParticipants>{2**31}")  # a 32-bit column
