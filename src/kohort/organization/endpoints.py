"""`/payment-group-settings`: the key's organization and mode."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors
from kohort.http.rendering import render
from kohort.kit.json_response import JsonResponse
from kohort.organization import service
from kohort.organization.schemas import GroupSettings, GroupSettingsUpdate, to_wire_settings

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
