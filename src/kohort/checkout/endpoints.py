"""`/checkout-sessions` and `/payment-intents`: what the installed shop plugins and the original's SDK
call. Secret keys only (they carry shoppers' data), answered in the request's API version."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.checkout import service
from kohort.checkout.schemas import (
    CheckoutSession,
    CheckoutSessionCreate,
    PaymentIntent,
    PaymentIntentCreate,
    to_wire_payment_intent,
    to_wire_session,
)
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors, list_operation
from kohort.http.rendering import render, render_list
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import parse_list_params
from kohort.links import checkout_session_url
from kohort.order.domain import Order, checkout_session_share_id
from kohort.order.endpoints import INTAKE_ERRORS
from kohort.order.repository import LIST_COLUMNS
from kohort.runtime import get_runtime

sessions_router = APIRouter(prefix="/checkout-sessions", tags=["Checkout sessions (legacy)"],
                            route_class=JsonBodyRoute)
payment_intents_router = APIRouter(prefix="/payment-intents", tags=["Payment intents (legacy)"],
                                   route_class=JsonBodyRoute)


def _session(request: Request, order: Order) -> CheckoutSession:
    share_id = checkout_session_share_id(order.id, livemode=order.livemode)
    return to_wire_session(order, share_id=share_id,
                           url=checkout_session_url(get_runtime(request).settings.public_url, share_id))


@sessions_router.post("", status_code=201, response_model=CheckoutSession, responses={
    **errors(INTAKE_ERRORS),
    200: {"model": CheckoutSession, "description": "The first session with this `client_reference_id`, again."},
})
async def create_checkout_session(
    request: Request,
    principal: Principal = Depends(secret_key),
    data: CheckoutSessionCreate = json_body(CheckoutSessionCreate),
) -> JsonResponse:
    """A paid order, as the shop plugins report it: opens the shopper's group or joins the one named by
    `payment_group_share_id`, exactly as `POST /orders`. The session is complete at once. Repeating a
    shop order number (`client_reference_id`) returns the first session (200)."""
    async with unit_of_work(request) as connection:
        intake = await service.create_checkout_session(connection, principal.tenant, principal.key_id, data)
    return render(request, _session(request, intake.order), status_code=200 if intake.replayed else 201)


@sessions_router.get("", **list_operation(CheckoutSession, order_by=LIST_COLUMNS, search=LIST_COLUMNS))
async def list_checkout_sessions(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        orders, count = await service.list_orders(connection, principal.tenant, params)
    return render_list(request, [_session(request, order) for order in orders], count)


@sessions_router.get("/{reference}", response_model=CheckoutSession, responses=errors({404: ["NOT_FOUND"]}))
async def get_checkout_session(
    reference: str, request: Request, principal: Principal = Depends(secret_key)
) -> JsonResponse:
    """By `cs_…` id, public `cs_test_…`/`cs_live_…` id, or the shop's order number."""
    async with unit_of_work(request) as connection:
        order = await service.find_checkout_session(connection, principal.tenant, reference)
    return render(request, _session(request, order))


@payment_intents_router.post("", status_code=201, response_model=PaymentIntent, responses={
    **errors({**INTAKE_ERRORS, 409: [*INTAKE_ERRORS[409], "PAYMENT_INTENT_MISMATCH"]}),
    200: {"model": PaymentIntent, "description": "The named checkout session's payment intent, or a replayed order."},
})
async def create_payment_intent(
    request: Request,
    principal: Principal = Depends(secret_key),
    data: PaymentIntentCreate = json_body(PaymentIntentCreate),
) -> JsonResponse:
    """With `checkoutSessionId`: that session's payment intent (200). Without: a new order (201)."""
    async with unit_of_work(request) as connection:
        intake = await service.create_payment_intent(connection, principal.tenant, principal.key_id, data)
    return render(request, to_wire_payment_intent(intake.order), status_code=200 if intake.replayed else 201)


@payment_intents_router.get("", **list_operation(PaymentIntent, order_by=LIST_COLUMNS, search=LIST_COLUMNS))
async def list_payment_intents(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        orders, count = await service.list_orders(connection, principal.tenant, params)
    return render_list(request, [to_wire_payment_intent(order) for order in orders], count)


@payment_intents_router.get("/{reference}", response_model=PaymentIntent, responses=errors({404: ["NOT_FOUND"]}))
async def get_payment_intent(
    reference: str, request: Request, principal: Principal = Depends(secret_key)
) -> JsonResponse:
    """By `pi_…` id, order id, or the shop's order number; `amount_cashback` is what Magento reads."""
    async with unit_of_work(request) as connection:
        order = await service.find_payment_intent(connection, principal.tenant, reference)
    return render(request, to_wire_payment_intent(order))
