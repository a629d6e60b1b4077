"""`POST /customers/{id}/erase` and `GET /customers/{id}/export`: a GDPR erasure and access request.
Secret keys only."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.cashback import service as cashback_service
from kohort.customer.schemas import Customer, to_wire_customer
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute
from kohort.http.openapi import errors
from kohort.http.rendering import render
from kohort.kit import clock
from kohort.kit.json_response import JsonResponse
from kohort.privacy import service
from kohort.privacy.schemas import CustomerExport, to_wire_export
from kohort.runtime import Runtime, get_runtime

router = APIRouter(prefix="/customers", tags=["Customers"], route_class=JsonBodyRoute)


@router.post(
    "/{customer_id}/erase", response_model=Customer,
    responses=errors({404: ["NOT_FOUND"], 409: ["CUSTOMER_PAYOUT_IN_FLIGHT"]}),
    description=(
        "Replaces the customer's personal data everywhere Kohort holds it (the customer, the copies on their "
        "orders and groups, payouts and payout files, events, queued emails, stored idempotent answers) with "
        "a stable pseudonym; amounts and the ledger stay. Irreversible; erasing again answers the same. "
        "Refused with 409 while a payout of theirs is not settled."
    ),
)
async def erase_customer(
    customer_id: str, request: Request, principal: Principal = Depends(secret_key),
    runtime: Runtime = Depends(get_runtime),
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.erase_customer(
            connection, principal.tenant, principal.key_id, customer_id, runtime.outbox
        )
        owed = await cashback_service.cashback_owed(connection, principal.tenant, [customer.id])
    return render(request, to_wire_customer(customer, cashback_owed=owed[customer.id]))


@router.get(
    "/{customer_id}/export", response_model=CustomerExport, responses=errors({404: ["NOT_FOUND"]}),
    description="Everything Kohort holds about the customer (a GDPR access request); IBANs are masked.",
)
async def export_customer(customer_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        record = await service.export_customer(connection, principal.tenant, customer_id)
    return render(request, to_wire_export(record, exported_at=clock.now()))
