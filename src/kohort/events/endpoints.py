"""`/events`: what happened to the organization's objects, newest first. Secret keys only."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.db import unit_of_work
from kohort.events import service
from kohort.events.catalogue import DESCRIPTIONS
from kohort.events.repository import LIST_COLUMNS
from kohort.events.schemas import Event, to_wire_event
from kohort.http.openapi import errors, list_operation
from kohort.http.rendering import render, render_list
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import parse_list_params

router = APIRouter(prefix="/events", tags=["Events"])

CATALOGUE = "\n".join(f"* `{event_type}`: {description}" for event_type, description in DESCRIPTIONS.items())


_LIST = list_operation(Event, order_by=LIST_COLUMNS)
_LIST["openapi_extra"]["parameters"].append({
    "name": "type", "in": "query", "required": False, "description": "Only events of this type.",
    "schema": {"type": "string", "enum": sorted(DESCRIPTIONS)},
})


@router.get("", **_LIST, description=(
    "Newest first. Filter with `type=order.created`; `take`, `skip` and `orderBy=createdAt:asc|desc` as "
    "elsewhere. `data.object` is the object as it was at the event, in the organization's API version then.\n\n"
    f"Event types:\n\n{CATALOGUE}"
))
async def list_events(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        found, count = await service.list_events(
            connection, principal.tenant, params, event_type=request.query_params.get("type") or None
        )
    return render_list(request, [to_wire_event(event) for event in found], count)


@router.get("/{event_id}", response_model=Event, responses=errors({404: ["NOT_FOUND"]}))
async def get_event(event_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        event = await service.get_event(connection, principal.tenant, event_id)
    return render(request, to_wire_event(event))
