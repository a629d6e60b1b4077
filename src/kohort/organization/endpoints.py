"""`/payment-group-settings` and `/api-keys`: the calling key's organization and mode."""

from datetime import timedelta

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors, list_operation
from kohort.http.rendering import render, render_list
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import parse_list_params
from kohort.models import ApiKeyKind
from kohort.organization import service
from kohort.organization.repository import KEY_LIST_COLUMNS
from kohort.organization.schemas import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyRoll,
    GroupSettings,
    GroupSettingsUpdate,
    IssuedApiKey,
    to_wire_issued_key,
    to_wire_key,
    to_wire_settings,
)

router = APIRouter(prefix="/payment-group-settings", tags=["Group settings"], route_class=JsonBodyRoute)


@router.get("", response_model=GroupSettings, responses=errors({400: ["SETTINGS_NOT_FOUND"]}))
async def get_settings(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        settings = await service.get_group_settings(connection, principal.tenant)
    return render(request, to_wire_settings(settings))


@router.patch("", response_model=GroupSettings, responses=errors({400: ["INVALID_LEVELS", "SETTINGS_NOT_FOUND"]}))
async def update_settings(
    request: Request,
    principal: Principal = Depends(secret_key),
    changes: GroupSettingsUpdate = json_body(GroupSettingsUpdate),
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        settings = await service.update_group_settings(connection, principal.tenant, changes=changes)
    return render(request, to_wire_settings(settings))


api_keys_router = APIRouter(prefix="/api-keys", tags=["API keys"], route_class=JsonBodyRoute)


@api_keys_router.get("", **list_operation(ApiKey, order_by=KEY_LIST_COLUMNS, search=KEY_LIST_COLUMNS))
async def list_api_keys(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    """The keys of the calling key's mode, newest first unless `orderBy` says otherwise; never their secrets."""
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        keys, count = await service.list_keys(connection, principal.tenant, params)
    return render_list(request, [to_wire_key(key) for key in keys], count)


@api_keys_router.post("", status_code=201, response_model=IssuedApiKey,
                      responses=errors({409: ["TOO_MANY_API_KEYS"]}))
async def create_api_key(
    request: Request, principal: Principal = Depends(secret_key), data: ApiKeyCreate = json_body(ApiKeyCreate)
) -> JsonResponse:
    """A new key in the calling key's mode; its `secret` is in this answer only."""
    async with unit_of_work(request) as connection:
        issued = await service.create_key(connection, principal.tenant, principal.key_id, kind=ApiKeyKind(data.kind))
    return render(request, to_wire_issued_key(issued.key, issued.secret), status_code=201)


@api_keys_router.post("/{key_id}/roll", status_code=201, response_model=IssuedApiKey,
                      responses=errors({404: ["NOT_FOUND"], 409: ["API_KEY_INACTIVE"]}))
async def roll_api_key(
    key_id: str, request: Request, principal: Principal = Depends(secret_key), data: ApiKeyRoll = json_body(ApiKeyRoll)
) -> JsonResponse:
    """A replacement key (its `secret` in this answer only); the rolled key keeps working for
    `gracePeriodSeconds` (default 0, at most 7 days)."""
    async with unit_of_work(request) as connection:
        issued = await service.roll_key(connection, principal.tenant, principal.key_id, key_id,
                                        grace=timedelta(seconds=data.grace_period_seconds))
    return render(request, to_wire_issued_key(issued.key, issued.secret), status_code=201)


@api_keys_router.post("/{key_id}/revoke", response_model=ApiKey,
                      responses=errors({404: ["NOT_FOUND"], 409: ["API_KEY_INACTIVE", "LAST_SECRET_KEY"]}))
async def revoke_api_key(key_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    """Refused from the next request on, by every server process. The mode's last secret key cannot be
    revoked through the API (409 LAST_SECRET_KEY)."""
    async with unit_of_work(request) as connection:
        key = await service.revoke_key(connection, principal.tenant, principal.key_id, key_id, keep_a_secret_key=True)
    return render(request, to_wire_key(key))
