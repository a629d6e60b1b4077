"""The ledger tests' books, produced by the real flows."""

from __future__ import annotations

import pytest

from kohort.db import Database
from kohort.email.sender import MemorySender
from kohort.runtime import Runtime
from tests.factories import ledger
from tests.factories.ledger import RealBooks
from tests.factories.merchant import Merchant


@pytest.fixture
async def real_books(database: Database, runtime: Runtime, merchant: Merchant, outbox: MemorySender) -> RealBooks:
    return await ledger.real_books(database, runtime, merchant, outbox)
