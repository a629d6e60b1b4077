"""`/customers`. Secret keys only: customers are personal data."""

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.cashback import service as cashback_service
from kohort.customer import domain, service
from kohort.customer.repository import LIST_COLUMNS
from kohort.customer.schemas import Customer, CustomerCreate, CustomerUpdate, to_wire_customer
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors, list_operation
from kohort.http.rendering import render, render_list
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import parse_list_params
from kohort.tenant import Tenant

router = APIRouter(prefix="/customers", tags=["Customers"], route_class=JsonBodyRoute)


async def _wire(connection: AsyncConnection, tenant: Tenant, customer: domain.Customer) -> Customer:
    owed = await cashback_service.cashback_owed(connection, tenant, [customer.id])
    return to_wire_customer(customer, cashback_owed=owed[customer.id])


@router.post("", status_code=201, response_model=Customer, responses=errors({409: ["CUSTOMER_ALREADY_EXISTS"]}))
async def create_customer(
    request: Request, principal: Principal = Depends(secret_key), data: CustomerCreate = json_body(CustomerCreate)
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.create_customer(connection, principal.tenant, principal.key_id, data)
        wire = await _wire(connection, principal.tenant, customer)
    return render(request, wire, status_code=201)


@router.get("", **list_operation(Customer, order_by=LIST_COLUMNS, search=LIST_COLUMNS))
async def list_customers(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        customers, count = await service.list_customers(connection, principal.tenant, params)
        owed = await cashback_service.cashback_owed(connection, principal.tenant, [customer.id for customer in customers])
    return render_list(
        request, [to_wire_customer(customer, cashback_owed=owed[customer.id]) for customer in customers], count
    )


@router.get("/{customer_id}", response_model=Customer, responses=errors({404: ["NOT_FOUND"]}))
async def get_customer(customer_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.get_customer(connection, principal.tenant, customer_id)
        wire = await _wire(connection, principal.tenant, customer)
    return render(request, wire)


@router.patch("/{customer_id}", response_model=Customer,
              responses=errors({404: ["NOT_FOUND"], 409: ["CUSTOMER_ALREADY_EXISTS"]}))
async def update_customer(
    customer_id: str,
    request: Request,
    principal: Principal = Depends(secret_key),
    data: CustomerUpdate = json_body(CustomerUpdate),
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.update_customer(connection, principal.tenant, principal.key_id, customer_id, data)
        wire = await _wire(connection, principal.tenant, customer)
    return render(request, wire)


@router.delete(
    "/{customer_id}", response_model=Customer, responses=errors({404: ["NOT_FOUND"]}),
    description=(
        "Soft delete: hides the customer from the list and its search, from `expand[]=customer` (null) and from "
        "orders' `customerEmail` search, and names them anonymously on group pages. Nothing is removed (an "
        "order with the same email brings them back): `POST /customers/{id}/erase` removes the personal data."
    ),
)
async def delete_customer(
    customer_id: str, request: Request, principal: Principal = Depends(secret_key)
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.delete_customer(connection, principal.tenant, principal.key_id, customer_id)
        wire = await _wire(connection, principal.tenant, customer)
    return render(request, wire)


@router.patch("/{customer_id}/block", response_model=Customer, responses=errors({404: ["NOT_FOUND"]}))
async def block_customer(customer_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.set_blocked(connection, principal.tenant, principal.key_id, customer_id, blocked=True)
        wire = await _wire(connection, principal.tenant, customer)
    return render(request, wire)


@router.patch("/{customer_id}/unblock", response_model=Customer, responses=errors({404: ["NOT_FOUND"]}))
async def unblock_customer(
    customer_id: str, request: Request, principal: Principal = Depends(secret_key)
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.set_blocked(connection, principal.tenant, principal.key_id, customer_id, blocked=False)
        wire = await _wire(connection, principal.tenant, customer)
    return render(request, wire)
