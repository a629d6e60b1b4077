"""`/payout-settings`, `/payout-batches` and `/payouts`. Secret keys only."""

from fastapi import APIRouter, Depends, Request, Response

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors, list_operation
from kohort.http.rendering import render, render_list
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import parse_list_params
from kohort.payout import batch_file, service
from kohort.payout.repository import BATCH_LIST_COLUMNS, PAYOUT_LIST_COLUMNS
from kohort.payout.schemas import (
    Payout,
    PayoutBatch,
    PayoutSettings,
    PayoutSettingsUpdate,
    to_wire_batch,
    to_wire_payout,
)
from kohort.runtime import Runtime, get_runtime

router = APIRouter(tags=["Payouts"], route_class=JsonBodyRoute)


@router.get("/payout-settings", response_model=PayoutSettings)
async def get_payout_settings(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        settings = await service.get_payout_settings(connection, principal.tenant)
    return render(request, settings)


@router.patch("/payout-settings", response_model=PayoutSettings,
              responses=errors({400: ["BIC_INVALID", "DEBTOR_NAME_INVALID", "IBAN_REQUIRED", "IBAN_INVALID", "IBAN_INVALID_CHECKSUM", "IBAN_NOT_SEPA"]}))
async def update_payout_settings(
    request: Request,
    principal: Principal = Depends(secret_key),
    changes: PayoutSettingsUpdate = json_body(PayoutSettingsUpdate),
) -> JsonResponse:
    """The account cashback is paid from: debtor name, IBAN and BIC of the merchant's SEPA account."""
    async with unit_of_work(request) as connection:
        settings = await service.update_payout_settings(connection, principal.tenant, changes=changes)
    return render(request, settings)


@router.post("/payout-batches", status_code=201, response_model=PayoutBatch,
             responses=errors({400: ["PAYOUT_ACCOUNT_MISSING"], 409: ["NO_PENDING_PAYOUTS"]}))
async def create_payout_batch(request: Request, principal: Principal = Depends(secret_key),
                              runtime: Runtime = Depends(get_runtime)) -> JsonResponse:
    """A SEPA credit-transfer batch (pain.001) of every pending payout: download its file from
    `/payout-batches/{id}/file`, upload it to your bank, then confirm the batch once executed."""
    async with unit_of_work(request) as connection:
        # Committed on its own: what is set aside stays so even when nothing payable is left (409).
        await service.set_aside_unpayable(connection, principal.tenant, runtime.cipher)
    async with unit_of_work(request) as connection:
        created = await service.create_batch(
            connection, principal.tenant, runtime.cipher, runtime.payout_provider,
            execution_days=runtime.settings.payout_execution_days,
        )
    return render(request, to_wire_batch(created.batch, created.payouts), status_code=201)


@router.get("/payout-batches", **list_operation(PayoutBatch, order_by=BATCH_LIST_COLUMNS, search=BATCH_LIST_COLUMNS))
async def list_payout_batches(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        batches, count = await service.list_batches(connection, principal.tenant, params)
        wire_batches = []
        for batch in batches:
            created = await service.get_batch(connection, principal.tenant, batch.id)
            wire_batches.append(to_wire_batch(created.batch, created.payouts))
    return render_list(request, wire_batches, count)


@router.get("/payout-batches/{batch_id}", response_model=PayoutBatch, responses=errors({404: ["NOT_FOUND"]}))
async def get_payout_batch(batch_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        created = await service.get_batch(connection, principal.tenant, batch_id)
    return render(request, to_wire_batch(created.batch, created.payouts))


_FILE_RESPONSE = {
    "description": "The batch's pain.001 file (`Content-Disposition: attachment`). Once the batch is confirmed, "
                   "the stored copy keeps masked IBANs only: the answer then carries `Kohort-Document: "
                   f"{batch_file.MASKED_HEADER_VALUE}` and says so in an XML comment at its top.",
    "content": {"application/xml": {"schema": {"type": "string"}}},
    "headers": {"Kohort-Document": {"schema": {"type": "string", "enum": [batch_file.MASKED_HEADER_VALUE]},
                                    "description": "Present when the IBANs in the file are masked."}},
}


@router.get("/payout-batches/{batch_id}/file", response_class=Response,
            responses={200: _FILE_RESPONSE, **errors({404: ["NOT_FOUND"]})})
async def get_payout_batch_file(batch_id: str, request: Request, principal: Principal = Depends(secret_key),
                                runtime: Runtime = Depends(get_runtime)) -> Response:
    """The batch's pain.001 file, to upload to the bank (masked IBANs once the batch is confirmed)."""
    async with unit_of_work(request) as connection:
        found = await service.get_batch_file(connection, principal.tenant, runtime.cipher, batch_id)
    headers = {"Content-Disposition": f'attachment; filename="{found.filename}"'}
    if found.ibans_masked:
        headers["Kohort-Document"] = batch_file.MASKED_HEADER_VALUE
    return Response(found.content.encode(), media_type="application/xml", headers=headers)


@router.get("/payouts", **list_operation(Payout, order_by=PAYOUT_LIST_COLUMNS, search=PAYOUT_LIST_COLUMNS))
async def list_payouts(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        payouts, count = await service.list_payouts(connection, principal.tenant, params)
    return render_list(request, [to_wire_payout(payout) for payout in payouts], count)


@router.get("/payouts/{payout_id}", response_model=Payout, responses=errors({404: ["NOT_FOUND"]}))
async def get_payout(payout_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        payout = await service.get_payout(connection, principal.tenant, payout_id)
    return render(request, to_wire_payout(payout))
