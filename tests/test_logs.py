"""Logs keep their fields (key=value or JSON) and never carry a key, a token, an IBAN or a full email address."""

from __future__ import annotations

import io
import itertools
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.db import Database
from kohort.logs import KeyValueFormatter, configure_logging, redact
from kohort.runtime import Runtime
from kohort.worker import registry
from kohort.worker.queue import enqueue
from kohort.worker.runner import Runner

_kinds = itertools.count(1)
API_KEY = "sk_live_" + "ab12" * 12
TOKEN = "f0" * 32
IBAN = "FR7630006000011234567890189"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What `configure_logging` would print, captured; the root logger is restored afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    output = io.StringIO()
    yield output
    root.handlers[:] = handlers
    root.setLevel(level)


def _record(message: str, **fields: Any) -> logging.LogRecord:
    record = logging.LogRecord("kohort.test", logging.WARNING, __file__, 1, message, None, None)
    for name, value in fields.items():
        setattr(record, name, value)
    return record


async def test_a_failed_job_logs_its_id_and_kind(runtime: Runtime, database: Database, log_output: io.StringIO) -> None:
    kind = f"test.log_failure.{next(_kinds)}.{os.getpid()}"

    @registry.task(kind)
    async def failing(runtime: Runtime, connection: AsyncConnection, payload: dict[str, Any]) -> None:
        raise RuntimeError("the bank said no")

    async with database.transaction() as connection:
        job_id = await enqueue(connection, kind, {})
    configure_logging(level="info", stream=log_output)
    runner = Runner(runtime, batch_size=50, only=(kind,))
    while await runner.run_jobs():
        pass

    [line] = [line for line in log_output.getvalue().splitlines() if "worker.job_failed" in line]
    assert f"job_id={job_id}" in line
    assert f"kind={kind}" in line
    assert "the bank said no" in line


def test_keys_tokens_ibans_and_email_addresses_are_masked_in_messages_and_fields() -> None:
    line = KeyValueFormatter().format(_record(
        f"paid {IBAN} for jane.doe@example.com with Bearer {API_KEY}",
        link=f"https://shop.test/w/ord_1?token={TOKEN}", customer="jane.doe@example.com", key=API_KEY,
        iban="FR76 3000 6000 0112 3456 7890 189", withdrawal_token="whatever", group_id="grp_0123456789abcdef0123",
    ))
    for secret in (API_KEY, TOKEN, IBAN, "3000 6000 0112", "jane.doe@", "whatever"):
        assert secret not in line
    assert "j***@example.com" in line
    assert "group_id=grp_0123456789abcdef0123" in line  # ids are not secrets
    assert redact(f"key {API_KEY}") == "key sk_live_***"
    assert redact(f"iban {IBAN}.") == "iban FR76***."


def test_json_lines_parse_and_keep_their_fields(log_output: io.StringIO) -> None:
    configure_logging(level="debug", log_format="json", stream=log_output)
    log = logging.getLogger("kohort.test")
    log.info("group.settled", extra={"group_id": "grp_1", "participants": 3, "email": "ann@example.com"})
    try:
        raise ValueError(f"bad key {API_KEY}")
    except ValueError:
        log.exception("job.crashed", extra={"job_id": "job_1"})

    settled, crashed = (json.loads(line) for line in log_output.getvalue().splitlines() if line.startswith("{"))
    assert settled["event"] == "group.settled"
    assert settled["level"] == "INFO"
    assert settled["logger"] == "kohort.test"
    assert (settled["group_id"], settled["participants"], settled["email"]) == ("grp_1", 3, "***")
    assert crashed["job_id"] == "job_1"
    assert "ValueError: bad key sk_live_***" in crashed["exception"]
    assert API_KEY not in log_output.getvalue()


def test_the_level_filters_and_a_second_configuration_replaces_the_first(log_output: io.StringIO) -> None:
    configure_logging(level="info", stream=io.StringIO())
    configure_logging(level="warning", stream=log_output)
    log = logging.getLogger("kohort.test")
    log.info("too.quiet")
    log.warning("loud.enough", extra={"n": 1})
    assert log_output.getvalue().splitlines()[-1].endswith("WARNING kohort.test loud.enough n=1")
    assert "too.quiet" not in log_output.getvalue()


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="KOHORT_LOG_FORMAT"):
        configure_logging(log_format="xml")


async def test_a_line_logged_inside_a_job_carries_the_job_id_and_kind(
    runtime: Runtime, database: Database, log_output: io.StringIO
) -> None:
    kind = f"test.log_inside.{next(_kinds)}.{os.getpid()}"

    @registry.task(kind)
    async def chatty(runtime: Runtime, connection: AsyncConnection, payload: dict[str, Any]) -> None:
        logging.getLogger("kohort.test").info("handler.step", extra={"group_id": payload["group_id"]})

    async with database.transaction() as connection:
        job_id = await enqueue(connection, kind, {"group_id": "grp_42"})
    configure_logging(level="info", stream=log_output)
    runner = Runner(runtime, batch_size=50, only=(kind,))
    while await runner.run_jobs():
        pass
    logging.getLogger("kohort.test").info("after.the.job")

    lines = log_output.getvalue().splitlines()
    [step] = [line for line in lines if "handler.step" in line]
    assert step.endswith(f"handler.step job_id={job_id} kind={kind} group_id=grp_42")
    [after] = [line for line in lines if "after.the.job" in line]
    assert "job_id" not in after
