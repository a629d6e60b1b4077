"""`POST /withdrawals` (authenticated by the withdrawal token alone, for merchants who build their own
page) and the payout steps that reach back to orders: confirm a batch, fail a payout (secret key)."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors
from kohort.http.rendering import render
from kohort.kit.json_response import JsonResponse
from kohort.payout.schemas import Payout, PayoutBatch, PayoutFail, to_wire_batch, to_wire_payout
from kohort.ratelimit.limiter import subjects_of
from kohort.runtime import Runtime, get_runtime
from kohort.withdrawal import service
from kohort.withdrawal.schemas import Withdrawal, WithdrawalCreate

router = APIRouter(tags=["Payouts"], route_class=JsonBodyRoute)


@router.post("/withdrawals", status_code=201, response_model=Withdrawal, responses=errors({
    400: ["INVALID_WITHDRAWAL_TOKEN", "HOLDER_NAME_REQUIRED", "HOLDER_NAME_INVALID", "IBAN_REQUIRED", "IBAN_INVALID", "IBAN_INVALID_CHECKSUM", "IBAN_NOT_SEPA"],
    409: ["ALREADY_WITHDRAWN"],
    429: ["RATE_LIMITED"],
}))
async def create_withdrawal(
    request: Request, runtime: Runtime = Depends(get_runtime), data: WithdrawalCreate = json_body(WithdrawalCreate)
) -> JsonResponse:
    """Withdraw an order's available cashback to the shopper's IBAN. No API key: the single-use token
    from the shopper's withdrawal link is the credential. A wrong token is a 400 that reveals nothing;
    a token already used is a 409. Wrong tokens spend the client's budget of failures (429 once spent)."""
    limits = runtime.limits
    with_limit = limits.guard(limits.withdrawal_failures, subjects_of(request), counts=(service.InvalidWithdrawal,))
    async with with_limit, unit_of_work(request) as connection:
        order, payout = await service.withdraw(
            connection, runtime.cipher, order_id=data.order_id, token=data.token, iban=data.iban,
            holder_name=data.holder_name,
        )
    return render(request, Withdrawal(order_id=order.id, status=order.status.value,
                                      amount_cashback=int(order.amount_cashback or 0),
                                      payout=to_wire_payout(payout)), status_code=201)


@router.post("/payout-batches/{batch_id}/confirm", response_model=PayoutBatch,
             responses=errors({404: ["NOT_FOUND"], 409: ["BATCH_ALREADY_CONFIRMED"]}))
async def confirm_payout_batch(
    batch_id: str, request: Request, principal: Principal = Depends(secret_key),
    runtime: Runtime = Depends(get_runtime),
) -> JsonResponse:
    """Your bank executed the batch: its payouts become PAID and their orders CASHBACK_SENT; the stored file
    keeps masked IBANs from now on."""
    async with unit_of_work(request) as connection:
        created = await service.confirm_batch(connection, principal.tenant, runtime.cipher, batch_id)
    return render(request, to_wire_batch(created.batch, created.payouts))


@router.post("/payouts/{payout_id}/fail", response_model=Payout,
             responses=errors({404: ["NOT_FOUND"], 409: ["PAYOUT_SETTLED"]}))
async def fail_payout(
    payout_id: str,
    request: Request,
    principal: Principal = Depends(secret_key),
    data: PayoutFail = json_body(PayoutFail),
) -> JsonResponse:
    """The transfer was rejected: the order's cashback is available again and the shopper gets a new link."""
    async with unit_of_work(request) as connection:
        payout = await service.fail_payout(connection, principal.tenant, payout_id, reason=data.reason)
    return render(request, to_wire_payout(payout))
