"""`/brand-settings`: the key's organization and mode. Secret keys only."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.brand import service
from kohort.brand.schemas import BrandSettings, BrandSettingsUpdate
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors
from kohort.http.rendering import render
from kohort.kit.json_response import JsonResponse

router = APIRouter(prefix="/brand-settings", tags=["Brand settings"], route_class=JsonBodyRoute)


@router.get("", response_model=BrandSettings, responses=errors({400: ["NOT_FOUND"]}))
async def get_brand_settings(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        settings = await service.get_brand_settings(connection, principal.tenant)
    return render(request, settings)


@router.patch("", response_model=BrandSettings, responses=errors({400: ["NOT_FOUND"]}))
async def update_brand_settings(
    request: Request,
    principal: Principal = Depends(secret_key),
    changes: BrandSettingsUpdate = json_body(BrandSettingsUpdate),
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        settings = await service.update_brand_settings(connection, principal.tenant, principal.key_id, changes=changes)
    return render(request, settings)
