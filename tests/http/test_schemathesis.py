"""schemathesis against a real server: requests generated from /openapi.json (valid ones and, in the negative
mode, invalid ones) for every operation. Our document must hold for every answer: no 5xx, no status it does
not list, no body that does not match its schema. The original KohortPay document must be served without a
5xx too (what else differs from it is listed in docs/compatibility.md).

Ours runs on both databases: a 5xx is most likely where they differ (integer ranges, text PostgreSQL refuses).
The number of examples is bounded and derandomized, so the suite's time and outcome are the same every run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kohort.app import create_app
from tests.factories.server import ROOT, create_organization, serving

# The original service's public document, kept in the repository so a clean clone tests against it.
ORIGINAL_DOCUMENT = ROOT / "tests" / "reference" / "kohortpay-openapi.json"
OUR_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 5
BOUNDED = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                   suppress_health_check=list(HealthCheck))


@dataclass(frozen=True)
class Served:
    url: str
    headers: dict[str, str]


@pytest.fixture(scope="module")
def served(backend: str, migrated_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server on the backend's test database, with an organization of its own (its secret test key)."""
    env = {"KOHORT_DATABASE_URL": migrated_urls[backend], "KOHORT_ENCRYPTION_KEY": os.environ["KOHORT_ENCRYPTION_KEY"]}
    keys: dict[str, str] = create_organization(env, "Schemathesis shop")["keys"]  # type: ignore[assignment]
    log_path = Path(tmp_path_factory.mktemp("schemathesis")) / "server.log"
    # No embedded worker: the database is shared with the other tests and their jobs are theirs to run.
    with serving(env, embedded_worker=False, log_path=log_path) as url:
        yield Served(url=url, headers={"Authorization": f"Bearer {keys['sk_test']}"})


def _configured(schema: Any) -> Any:
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    return schema


def _configured(schema: Any) -> Any:
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    return schema


# Built in-process: the document the served app answers at /openapi.json (same code, same version).
ours = _configured(schemathesis.openapi.from_dict(create_app().openapi()))
# Its servers name the original's production host: every call below passes our server's URL instead.
original = _configured(schemathesis.openapi.from_dict(json.loads(ORIGINAL_DOCUMENT.read_text())))


@ours.parametrize()
@BOUNDED
def test_our_document_is_what_the_server_answers(case: Any, served: Served) -> None:
    case.call_and_validate(base_url=served.url, headers=served.headers, checks=OUR_CHECKS, timeout=30)


# PostgreSQL only: its operations are a subset of ours, which run on both; PostgreSQL is where a 5xx hides
# (it refuses more than SQLite), and running it twice would double the suite's longest test for little.
@original.parametrize()
@BOUNDED
@pytest.mark.usefixtures("postgres_only")
def test_the_original_document_gets_no_server_error(case: Any, served: Served) -> None:
    case.call_and_validate(base_url=served.url, headers=served.headers, checks=[not_a_server_error], timeout=30)
