"""/openapi.json tells the truth in the form SDK generators read: every answer's schema, the errors and
their codes, the list parameters, the headers and the keys. What the server really answers is checked by
schemathesis (tests/http/test_schemathesis.py); this checks that nothing is left undeclared."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate
from pydantic import TypeAdapter, ValidationError

from kohort.app import create_app
from kohort.http.openapi import PUBLISHABLE_KEY_SCHEME, SECRET_KEY_SCHEME
from kohort.http.schemas import EMAIL_MAX_LENGTH, Email
from kohort.http.versions import CURRENT_VERSION, VERSION_HEADER

# No route reads a key on these: the health check, and withdrawals (the token in the body is the credential).
UNAUTHENTICATED = {("get", "/health"), ("post", "/withdrawals")}
NON_STANDARD_KEYWORDS = {"ge", "le", "gt", "lt", "x-error-codes"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app().openapi()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, path_item in document["paths"].items():
        for method, operation in path_item.items():
            yield method, path, operation


def json_schema(response: dict[str, Any]) -> dict[str, Any]:
    return dict(response.get("content", {}).get("application/json", {}).get("schema", {}))


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return dict(document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    return schema


def keys_anywhere(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_anywhere(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_anywhere(item)


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_success_has_a_real_schema_and_every_error_the_envelope_with_its_codes(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        responses = operation["responses"]
        successes = [status for status in responses if status.startswith("2")]
        assert successes, (method, path)
        for status in successes:
            content = responses[status].get("content", {})
            if "application/json" not in content:  # a file download (a batch's pain.001): a string body
                assert [media["schema"] for media in content.values()] == [{"type": "string"}], (method, path)
                continue
            schema = resolve(document, json_schema(responses[status]))
            assert schema.get("type") == "object", (method, path, status, schema)
            assert schema.get("properties"), (method, path, status, schema)
        assert "422" not in responses, (method, path)  # our handlers answer 400, never 422
        for status, response in responses.items():
            if status.startswith("2") or (path, status) == ("/health", "503"):
                continue
            first, codes = json_schema(response)["allOf"]
            assert first == {"$ref": "#/components/schemas/Error"}
            assert codes["properties"]["error"]["properties"]["code"]["enum"], (method, path, status)
        assert {"400", "503"} <= set(responses), (method, path)
        if "{" in path:
            assert "NOT_FOUND" in str(responses.get("404")), (method, path)


def test_keys_headers_and_list_parameters_are_documented(document: dict[str, Any]) -> None:
    assert set(document["components"]["securitySchemes"]) == {SECRET_KEY_SCHEME, PUBLISHABLE_KEY_SCHEME}
    for method, path, operation in operations(document):
        parameters = {parameter["name"]: parameter for parameter in operation.get("parameters", [])}
        assert parameters[VERSION_HEADER]["schema"]["enum"] == [CURRENT_VERSION]
        assert ("Idempotency-Key" in parameters) == (method == "post"), (method, path)
        schemes = {name for requirement in operation.get("security", []) for name in requirement}
        if (method, path) in UNAUTHENTICATED:
            assert not schemes
        elif path.endswith("/validate"):
            assert schemes == {SECRET_KEY_SCHEME, PUBLISHABLE_KEY_SCHEME}
            assert "403" not in operation["responses"]
        else:
            assert schemes == {SECRET_KEY_SCHEME}, (method, path)
            assert "SECRET_KEY_REQUIRED" in str(operation["responses"]["403"])
        success = resolve(document, json_schema(operation["responses"].get("200", {})))
        if method == "get" and set(success.get("properties", {})) == {"data", "count"}:
            assert {"take", "skip", "orderBy"} <= set(parameters), path
            assert parameters["take"]["schema"]["maximum"] == 100
            assert "INVALID_PARAMETER" in str(operation["responses"]["400"])
    orders = {parameter["name"] for parameter in document["paths"]["/orders"]["get"]["parameters"]}
    assert {"search", "expand[]"} <= orders
    assert "amount" in str(document["paths"]["/orders"]["get"]["parameters"])


def test_the_constraints_are_standard_json_schema(document: dict[str, Any]) -> None:
    assert not NON_STANDARD_KEYWORDS & set(keys_anywhere(document))
    settings = document["components"]["schemas"]["GroupSettingsUpdate"]["properties"]
    assert {"type": "integer", "minimum": 2, "maximum": 1000} in settings["maxParticipants"]["anyOf"]


def test_the_email_length_is_the_validators(document: dict[str, Any]) -> None:
    email = document["components"]["schemas"]["CustomerCreate"]["properties"]["emailAddress"]
    assert email["maxLength"] == EMAIL_MAX_LENGTH
    adapter = TypeAdapter(Email)

    def address(last_label: int) -> str:  # local part and labels at their own limits (64, 63)
        return "a" * 64 + "@" + "d" * 63 + "." + "d" * 63 + "." + "d" * last_label + ".com"

    assert len(address(57)) == EMAIL_MAX_LENGTH
    assert adapter.validate_python(address(57))
    with pytest.raises(ValidationError):
        adapter.validate_python(address(58))


async def test_the_legacy_version_has_its_own_document(app_client: Any) -> None:
    legacy = (await app_client.get("/openapi.json", params={"version": "2024-01-01"})).json()
    validate(legacy)
    order = legacy["components"]["schemas"]["Order"]
    assert "payment_group_share_id" in order["properties"]
    assert "paymentGroupShareId" not in order["properties"]
    assert "organization_id" in order["required"]
    versions = {str(parameter["schema"]["enum"]) for _, _, operation in operations(legacy)
                for parameter in operation["parameters"] if parameter["name"] == VERSION_HEADER}
    assert versions == {"['2024-01-01']"}
    unknown = await app_client.get("/openapi.json", params={"version": "1999-01-01"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "INVALID_API_VERSION"
