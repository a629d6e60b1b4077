"""`/orders`. Secret keys only."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.db import unit_of_work
from kohort.expansion import ORDER_EXPANSIONS, expand_orders
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors, expand_parameter, list_operation
from kohort.http.rendering import dump, render, render_list
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import parse_list_params
from kohort.order import service
from kohort.order.repository import LIST_COLUMNS
from kohort.order.schemas import Order, OrderCreate, to_wire_order

router = APIRouter(prefix="/orders", tags=["Orders"], route_class=JsonBodyRoute)


# What the intake refuses (kohort.order.service, kohort.customer.service, kohort.referral_group.service).
INTAKE_ERRORS = {
    400: ["AMOUNT_TOO_LOW", "CUSTOMER_REQUIRED", "CUSTOMER_NAME_REQUIRED", "CUSTOMER_MISMATCH", "CUSTOMER_BLOCKED",
          "EMAIL_ALREADY_USED", "MAX_PARTICIPANTS_REACHED", "COMPLETED_EXPIRED_CANCELED", "SHARE_CODE_EXHAUSTED",
          "CONFLICT", "SETTINGS_NOT_FOUND"],
    404: ["NOT_FOUND"],
    409: ["CLIENT_REFERENCE_ID_ALREADY_USED"],
}


@router.post("", status_code=201, response_model=Order, responses={
    **errors(INTAKE_ERRORS),
    200: {"model": Order, "description": "The first order with this `clientReferenceId` and amount, again."},
})
async def create_order(
    request: Request, principal: Principal = Depends(secret_key), data: OrderCreate = json_body(OrderCreate)
) -> JsonResponse:
    """Opens a referral group for the shopper, or joins the group named by `paymentGroupShareId`.
    Repeating a request with the same `clientReferenceId` and amount returns the first order (200)."""
    async with unit_of_work(request) as connection:
        intake = await service.create_order(connection, principal.tenant, principal.key_id, data)
    return render(request, intake.wire_order(), status_code=200 if intake.replayed else 201)


@router.get("", **list_operation(Order, order_by=LIST_COLUMNS, search=LIST_COLUMNS, expand=ORDER_EXPANSIONS))
async def list_orders(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        orders, count = await service.list_orders(connection, principal.tenant, params)
        payloads = [dump(to_wire_order(order)) for order in orders]
        payloads = await expand_orders(connection, principal.tenant, orders, payloads, params.expand)
    return render_list(request, payloads, count)


@router.get("/{order_id}", response_model=Order, responses=errors({404: ["NOT_FOUND"]}),
            openapi_extra={"parameters": [expand_parameter(ORDER_EXPANSIONS)]})
async def get_order(order_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        order = await service.get_order(connection, principal.tenant, order_id)
        payloads = await expand_orders(connection, principal.tenant, [order], [dump(to_wire_order(order))], params.expand)
    return render(request, payloads[0])
