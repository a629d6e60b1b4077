"""`/webhook-endpoints` and `POST /events/{id}/resend`. Secret keys only; per organization and mode."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors, list_operation
from kohort.http.rendering import list_envelope, render, render_list
from kohort.http.schemas import Page
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import parse_list_params
from kohort.runtime import Runtime, get_runtime
from kohort.webhook import service
from kohort.webhook.repository import DELIVERY_ORDER, ENDPOINT_ORDER
from kohort.webhook.schemas import (
    DeliveryOut,
    EventResend,
    WebhookEndpointCreate,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
    WebhookEndpointWithSecret,
    to_wire_delivery,
    to_wire_endpoint,
)

router = APIRouter(prefix="/webhook-endpoints", tags=["Webhooks"], route_class=JsonBodyRoute)
resend_router = APIRouter(prefix="/events", tags=["Events"], route_class=JsonBodyRoute)


@router.post("", status_code=201, response_model=WebhookEndpointWithSecret,
             responses=errors({400: ["INVALID_WEBHOOK_URL", "TOO_MANY_WEBHOOK_ENDPOINTS"]}))
async def create_endpoint(
    request: Request, principal: Principal = Depends(secret_key), runtime: Runtime = Depends(get_runtime),
    data: WebhookEndpointCreate = json_body(WebhookEndpointCreate),
) -> JsonResponse:
    """`secret` (`whsec_…`) signs every delivery (Standard Webhooks); it is shown here and at rotation only."""
    async with unit_of_work(request) as connection:
        created = await service.create_endpoint(connection, principal.tenant, runtime.cipher, data)
    return render(request, to_wire_endpoint(created.endpoint, secret=created.secret), status_code=201)


@router.get("", **list_operation(WebhookEndpointOut, order_by=ENDPOINT_ORDER))
async def list_endpoints(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        found, count = await service.list_endpoints(connection, principal.tenant, params)
    return render_list(request, [to_wire_endpoint(endpoint) for endpoint in found], count)


@router.get("/{endpoint_id}", response_model=WebhookEndpointOut, responses=errors({404: ["NOT_FOUND"]}))
async def get_endpoint(endpoint_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        endpoint = await service.get_endpoint(connection, principal.tenant, endpoint_id)
    return render(request, to_wire_endpoint(endpoint))


@router.patch("/{endpoint_id}", response_model=WebhookEndpointOut,
              responses=errors({400: ["INVALID_WEBHOOK_URL"], 404: ["NOT_FOUND"]}))
async def update_endpoint(
    endpoint_id: str, request: Request, principal: Principal = Depends(secret_key),
    changes: WebhookEndpointUpdate = json_body(WebhookEndpointUpdate),
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        endpoint = await service.update_endpoint(connection, principal.tenant, endpoint_id, changes)
    return render(request, to_wire_endpoint(endpoint))


@router.delete("/{endpoint_id}", response_model=WebhookEndpointOut, responses=errors({404: ["NOT_FOUND"]}))
async def delete_endpoint(
    endpoint_id: str, request: Request, principal: Principal = Depends(secret_key)
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        endpoint = await service.delete_endpoint(connection, principal.tenant, endpoint_id)
    return render(request, to_wire_endpoint(endpoint))


@router.post("/{endpoint_id}/rotate-secret", response_model=WebhookEndpointWithSecret, responses=errors({404: ["NOT_FOUND"]}))
async def rotate_secret(
    endpoint_id: str, request: Request, principal: Principal = Depends(secret_key),
    runtime: Runtime = Depends(get_runtime),
) -> JsonResponse:
    """A new secret; the previous one keeps signing for 24 hours, so receivers can switch without a gap."""
    async with unit_of_work(request) as connection:
        rotated = await service.rotate_secret(connection, principal.tenant, runtime.cipher, endpoint_id)
    return render(request, to_wire_endpoint(rotated.endpoint, secret=rotated.secret))


@router.get("/{endpoint_id}/deliveries", **list_operation(DeliveryOut, order_by=DELIVERY_ORDER, codes={404: ["NOT_FOUND"]}))
async def list_deliveries(
    endpoint_id: str, request: Request, principal: Principal = Depends(secret_key)
) -> JsonResponse:
    """Newest first: status, when the next attempt is due, and `attemptHistory`, every attempt with its status
    code, duration, response excerpt (≤ 1 KB) and the retry it scheduled (`last…` repeat the latest one)."""
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        found, attempts, count = await service.list_deliveries(connection, principal.tenant, endpoint_id, params)
    return render_list(request, [to_wire_delivery(delivery, attempts.get(delivery.id, ())) for delivery in found],
                       count)


@resend_router.post("/{event_id}/resend", status_code=201, response_model=Page[DeliveryOut],
                    responses=errors({400: ["WEBHOOK_ENDPOINT_DISABLED"], 404: ["NOT_FOUND"]}))
async def resend_event(
    event_id: str, request: Request, principal: Principal = Depends(secret_key),
    data: EventResend = json_body(EventResend),
) -> JsonResponse:
    """Deliver the event again: to `endpointId`, or to every enabled endpoint that subscribes to its type."""
    async with unit_of_work(request) as connection:
        deliveries = await service.resend_event(connection, principal.tenant, event_id, endpoint_id=data.endpoint_id)
    return render(request, list_envelope([to_wire_delivery(delivery) for delivery in deliveries], len(deliveries)),
                  status_code=201)


