"""`/orders/{id}/refunds` and `/refunds` (the latter also takes the legacy body). Secret keys only."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors, list_operation
from kohort.http.rendering import render, render_list
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import parse_list_params
from kohort.refund import service
from kohort.refund.repository import LIST_COLUMNS
from kohort.refund.schemas import LegacyRefundCreate, Refund, RefundCreate, to_wire_refund

router = APIRouter(tags=["Refunds"], route_class=JsonBodyRoute)

# What refunding refuses (kohort.refund.service).
REFUND_ERRORS = {
    400: ["REFUND_EXCEEDS_AMOUNT", "VALIDATION_ERROR"],
    404: ["NOT_FOUND"],
    409: ["CLIENT_REFERENCE_ID_ALREADY_USED", "CONFLICT"],
}


@router.post("/orders/{order_id}/refunds", status_code=201, response_model=Refund, responses={
    **errors(REFUND_ERRORS),
    200: {"model": Refund, "description": "The first refund with this `clientReferenceId`, again."},
})
async def create_refund(
    order_id: str, request: Request, principal: Principal = Depends(secret_key),
    data: RefundCreate = json_body(RefundCreate),
) -> JsonResponse:
    """Refund part of the order (`amount`) or all that is left of it. The group's level, every cashback
    concerned and the fees follow. Repeating a request with the same `clientReferenceId` returns the
    first refund (200); more than the order's amount is a 400 REFUND_EXCEEDS_AMOUNT."""
    async with unit_of_work(request) as connection:
        outcome = await service.refund_order(connection, principal.tenant, principal.key_id, order_id, data)
    return render(request, to_wire_refund(outcome.refund), status_code=200 if outcome.replayed else 201)


@router.get("/orders/{order_id}/refunds",
            **list_operation(Refund, order_by=LIST_COLUMNS, search=LIST_COLUMNS, codes={404: ["NOT_FOUND"]}))
async def list_order_refunds(order_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        refunds, count = await service.list_refunds(connection, principal.tenant, params, order_id=order_id)
    return render_list(request, [to_wire_refund(refund) for refund in refunds], count)


@router.post("/refunds", status_code=201, response_model=Refund, responses={
    **errors(REFUND_ERRORS),
    200: {"model": Refund, "description": "The first refund with this `client_reference_id`, again."},
})
async def create_legacy_refund(
    request: Request, principal: Principal = Depends(secret_key),
    data: LegacyRefundCreate = json_body(LegacyRefundCreate),
) -> JsonResponse:
    """The same operation, the order named in the body: `{amount, order_id | payment_intent_id}` (the
    Magento module's call)."""
    async with unit_of_work(request) as connection:
        outcome = await service.refund_legacy(connection, principal.tenant, principal.key_id, data)
    return render(request, to_wire_refund(outcome.refund), status_code=200 if outcome.replayed else 201)


@router.get("/refunds", **list_operation(Refund, order_by=LIST_COLUMNS, search=LIST_COLUMNS))
async def list_refunds(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        refunds, count = await service.list_refunds(connection, principal.tenant, params)
    return render_list(request, [to_wire_refund(refund) for refund in refunds], count)


@router.get("/refunds/{refund_id}", response_model=Refund, responses=errors({404: ["NOT_FOUND"]}))
async def get_refund(refund_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        refund = await service.get_refund(connection, principal.tenant, refund_id)
    return render(request, to_wire_refund(refund))
