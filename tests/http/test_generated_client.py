"""/openapi.json stays usable by SDK generators: datamodel-code-generator turns its schemas into Pydantic
models (refusing any field the document does not name), a small client calls operations by their
`operationId` as the document describes them, and a shop runs order → group → participants with it against
a real server. A field answered but not documented, or a documented one missing, fails the parsing."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from pydantic import BaseModel

from tests.factories.server import create_organization, running_server

CODEGEN = Path(sys.executable).parent / "datamodel-codegen"


def generate_models(document: dict[str, Any], directory: Path) -> ModuleType:
    source, output = directory / "openapi.json", directory / "kohort_models.py"
    source.write_text(json.dumps(document))
    subprocess.run(
        [str(CODEGEN), "--input", str(source), "--input-file-type", "openapi", "--output", str(output),
         "--output-model-type", "pydantic_v2.BaseModel", "--extra-fields", "forbid", "--snake-case-field",
         "--disable-timestamp", "--allow-population-by-field-name"],
        check=True, capture_output=True, text=True,
    )
    spec = importlib.util.spec_from_file_location("kohort_models", output)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # Pydantic resolves the postponed annotations through it
    spec.loader.exec_module(module)
    return module


class GeneratedClient:
    """Operations by `operationId`, as the document names them; answers parsed into the generated model of the
    operation's documented success schema."""

    def __init__(self, document: dict[str, Any], models: ModuleType, http: httpx.AsyncClient) -> None:
        self.models = models
        self.http = http
        self.operations = {
            operation["operationId"]: (method, path, operation)
            for path, path_item in document["paths"].items()
            for method, operation in path_item.items()
        }

    async def call(self, operation_id: str, *, body: BaseModel | None = None, **path: str) -> BaseModel:
        method, template, operation = self.operations[operation_id]
        content = body.model_dump(mode="json", by_alias=True, exclude_none=True) if body is not None else None
        response = await self.http.request(method.upper(), template.format(**path), json=content)
        documented = operation["responses"].get(str(response.status_code))
        assert documented is not None, (operation_id, response.status_code, response.text)
        assert response.is_success, response.text
        model = getattr(self.models, documented["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1])
        parsed: BaseModel = model.model_validate(response.json())
        return parsed


async def test_a_generated_client_runs_an_order_a_group_and_its_participants(tmp_path: Path) -> None:
    env = {"KOHORT_DATABASE_URL": f"sqlite:///{tmp_path / 'kohort.db'}",
           "KOHORT_ENCRYPTION_KEY": os.environ["KOHORT_ENCRYPTION_KEY"]}
    keys: dict[str, str] = create_organization(env, "Generated client shop")["keys"]  # type: ignore[assignment]
    async with (
        running_server(env, log_path=tmp_path / "server.log") as base_url,
        httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {keys['sk_test']}"},
                          timeout=30) as http,
    ):
        document = (await http.get("/openapi.json")).json()
        models = generate_models(document, tmp_path)
        client = GeneratedClient(document, models, http)

        first = await client.call("create_order", body=models.OrderCreate(
            amount=12000, customer_email="ann@example.com", customer_first_name="Ann", customer_last_name="Lee"))
        assert isinstance(first, models.Order)
        assert first.payment_group_share_id.startswith("KHT-test-")
        friend = await client.call("create_order", body=models.OrderCreate(
            amount=8000, customer_email="bob@example.com", customer_first_name="Bob", customer_last_name="Ray",
            payment_group_share_id=first.payment_group_share_id))
        assert friend.payment_group_id == first.payment_group_id

        group = await client.call("payment-groups_get_group", reference=first.payment_group_share_id)
        assert isinstance(group, models.PaymentGroup)
        assert group.id == first.payment_group_id
        assert group.status.value == "OPEN"
        participants = await client.call("payment-groups_list_participants", reference=group.id)
        assert isinstance(participants, models.OrderList)
        assert participants.count == 2
        assert [order.id for order in participants.data] == [first.id, friend.id]
        assert all(isinstance(order, models.Order) for order in participants.data)
