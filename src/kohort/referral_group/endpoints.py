"""Groups, served under both `/groups` and `/payment-groups` (aliases, as in the original).

Secret keys for everything except `validate`, which browsers call with a publishable key."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import any_key, secret_key
from kohort.auth.service import Principal
from kohort.db import unit_of_work
from kohort.errors import NotFound
from kohort.expansion import GROUP_EXPANSIONS, expand_groups
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors, expand_parameter, list_operation
from kohort.http.rendering import dump, render, render_list
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import parse_list_params
from kohort.order import service as order_service
from kohort.order.repository import LIST_COLUMNS as ORDER_COLUMNS
from kohort.order.schemas import Order, to_wire_order
from kohort.ratelimit.limiter import subjects_of
from kohort.referral_group import service, settlement
from kohort.referral_group.repository import LIST_COLUMNS
from kohort.referral_group.schemas import (
    GroupValidate,
    GroupValidation,
    PaymentGroup,
    PaymentGroupCreate,
    PaymentGroupUpdate,
    to_wire_group,
    to_wire_validation,
)
from kohort.referral_group.service import GroupNotFound
from kohort.runtime import Runtime, get_runtime

router = APIRouter(tags=["Referral groups"], route_class=JsonBodyRoute)
test_helpers_router = APIRouter(prefix="/test-helpers", tags=["Test helpers"])


@router.post("", status_code=201, response_model=PaymentGroup, responses=errors({
    400: ["ORDER_MISMATCH", "CUSTOMER_BLOCKED", "SHARE_CODE_EXHAUSTED", "SETTINGS_NOT_FOUND"],
    404: ["NOT_FOUND"], 409: ["ORDER_ALREADY_IN_GROUP"],
}))
async def create_group(
    request: Request,
    principal: Principal = Depends(secret_key),
    data: PaymentGroupCreate = json_body(PaymentGroupCreate),
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        group = await order_service.open_group_for_order(connection, principal.tenant, principal.key_id, data)
    return render(request, to_wire_group(group), status_code=201)


@router.get("", **list_operation(PaymentGroup, order_by=LIST_COLUMNS, search=LIST_COLUMNS, expand=GROUP_EXPANSIONS))
async def list_groups(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        groups, count = await service.list_groups(connection, principal.tenant, params)
        payloads = await expand_groups(
            connection, principal.tenant, groups, [dump(to_wire_group(group)) for group in groups], params.expand
        )
    return render_list(request, payloads, count)


@router.get("/{reference}", response_model=PaymentGroup, responses=errors({404: ["NOT_FOUND"]}),
            openapi_extra={"parameters": [expand_parameter(GROUP_EXPANSIONS)]})
async def get_group(reference: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    """By id (`pg_…`) or share code, case-insensitively."""
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        group = await service.get_group(connection, principal.tenant, reference)
        payloads = await expand_groups(connection, principal.tenant, [group], [dump(to_wire_group(group))], params.expand)
    return render(request, payloads[0])


@router.patch("/{reference}", response_model=PaymentGroup, responses=errors({404: ["NOT_FOUND"]}))
async def update_group(
    reference: str,
    request: Request,
    principal: Principal = Depends(secret_key),
    changes: PaymentGroupUpdate = json_body(PaymentGroupUpdate),
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        group = await service.update_group(connection, principal.tenant, principal.key_id, reference, changes)
    return render(request, to_wire_group(group))


@router.get("/{reference}/participants",
            **list_operation(Order, order_by=ORDER_COLUMNS, search=ORDER_COLUMNS, codes={404: ["NOT_FOUND"]}))
async def list_participants(
    reference: str, request: Request, principal: Principal = Depends(secret_key)
) -> JsonResponse:
    """The group's orders, oldest first unless `orderBy` says otherwise."""
    query = request.query_params
    if "orderBy" not in query and "order_by" not in query:
        query = query.__class__([*query.multi_items(), ("orderBy", "createdAt:asc")])
    params = parse_list_params(query)
    async with unit_of_work(request) as connection:
        orders, count = await order_service.list_group_orders(connection, principal.tenant, reference, params)
    return render_list(request, [to_wire_order(order) for order in orders], count)


@router.post("/{reference}/cancel", response_model=PaymentGroup,
             responses=errors({400: ["NOT_CANCELABLE"], 404: ["NOT_FOUND"]}))
async def cancel_group(reference: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        group = await service.cancel_group(connection, principal.tenant, principal.key_id, reference)
    return render(request, to_wire_group(group))


@router.post("/{reference}/expire", response_model=PaymentGroup,
             responses=errors({400: ["NOT_EXPIRABLE"], 404: ["NOT_FOUND"]}))
async def expire_group(reference: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        group = await service.expire_group(connection, principal.tenant, principal.key_id, reference)
    return render(request, to_wire_group(group))


@router.post("/{reference}/validate", response_model=GroupValidation,
             responses=errors({400: ["AMOUNT_TOO_LOW", "COMPLETED_EXPIRED_CANCELED", "MAX_PARTICIPANTS_REACHED", "EMAIL_ALREADY_USED", "CUSTOMER_BLOCKED"], 404: ["NOT_FOUND"], 429: ["RATE_LIMITED"]}))
async def validate_group(
    reference: str,
    request: Request,
    principal: Principal = Depends(any_key),
    data: GroupValidate = json_body(GroupValidate),
) -> JsonResponse:
    """Whether a shopper can use this code now, and the level joining would unlock. Accepts publishable
    keys and an empty body (WooCommerce sends none). Has no side effects but on the rate limit: codes that
    name no group spend the client's and the key's budget, and a spent budget refuses every code (429)."""
    limits = get_runtime(request).limits
    with_limit = limits.guard(limits.share_code_misses, subjects_of(request, principal.key_id), counts=(GroupNotFound,))
    async with with_limit, unit_of_work(request) as connection:
        group = await service.validate_code(
            connection,
            principal.tenant,
            reference,
            customer_email=str(data.customer_email) if data.customer_email else None,
            amount=data.amount,
        )
    # What joining now would unlock: the level for one more participant.
    current_level = group.ladder.after_joining(group.participant_count)
    return render(request, to_wire_validation(group, current_level=current_level))


@test_helpers_router.post("/groups/{reference}/release-cashback", response_model=PaymentGroup,
                          responses=errors({404: ["NOT_FOUND"]}))
async def release_cashback_now(reference: str, request: Request, principal: Principal = Depends(secret_key),
                               runtime: Runtime = Depends(get_runtime)) -> JsonResponse:
    """Test mode only: ends a completed group's cashback hold now; its cashback becomes withdrawable and
    the withdrawal emails go out (a no-op for a group that is not held)."""
    if principal.tenant.livemode:
        raise NotFound("Route not found.")
    async with unit_of_work(request) as connection:
        group = await settlement.release_group_now(connection, principal.tenant, reference, now=runtime.clock.now())
    return render(request, to_wire_group(group))


@test_helpers_router.post("/groups/{reference}/end", response_model=PaymentGroup, responses=errors({404: ["NOT_FOUND"]}))
async def end_group_now(reference: str, request: Request, principal: Principal = Depends(secret_key),
                        runtime: Runtime = Depends(get_runtime)) -> JsonResponse:
    """Test mode only: ends the group now and settles it before answering (COMPLETED with cashback, or
    EXPIRED), so an integration can be tested without waiting for the group's end."""
    if principal.tenant.livemode:
        raise NotFound("Route not found.")  # live keys do not see test helpers at all
    async with unit_of_work(request) as connection:
        group = await settlement.end_group_now(connection, principal.tenant, reference, now=runtime.clock.now())
    return render(request, to_wire_group(group))
