"""`/customers`. Secret keys only: customers are personal data."""

from fastapi import APIRouter, Depends, Request

from kohort.auth.dependencies import secret_key
from kohort.auth.service import Principal
from kohort.customer import service
from kohort.customer.repository import LIST_COLUMNS
from kohort.customer.schemas import Customer, CustomerCreate, CustomerUpdate, to_wire_customer
from kohort.db import unit_of_work
from kohort.http.body import JsonBodyRoute, json_body
from kohort.http.openapi import errors, list_operation
from kohort.http.rendering import render, render_list
from kohort.kit.json_response import JsonResponse
from kohort.kit.listing import parse_list_params

router = APIRouter(prefix="/customers", tags=["Customers"], route_class=JsonBodyRoute)


@router.post("", status_code=201, response_model=Customer, responses=errors({409: ["CUSTOMER_ALREADY_EXISTS"]}))
async def create_customer(
    request: Request, principal: Principal = Depends(secret_key), data: CustomerCreate = json_body(CustomerCreate)
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.create_customer(connection, principal.tenant, principal.key_id, data)
    return render(request, to_wire_customer(customer), status_code=201)


@router.get("", **list_operation(Customer, order_by=LIST_COLUMNS, search=LIST_COLUMNS))
async def list_customers(request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    params = parse_list_params(request.query_params)
    async with unit_of_work(request) as connection:
        customers, count = await service.list_customers(connection, principal.tenant, params)
    return render_list(request, [to_wire_customer(customer) for customer in customers], count)


@router.get("/{customer_id}", response_model=Customer, responses=errors({404: ["NOT_FOUND"]}))
async def get_customer(customer_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.get_customer(connection, principal.tenant, customer_id)
    return render(request, to_wire_customer(customer))


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
    return render(request, to_wire_customer(customer))


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
    return render(request, to_wire_customer(customer))


@router.patch("/{customer_id}/block", response_model=Customer, responses=errors({404: ["NOT_FOUND"]}))
async def block_customer(customer_id: str, request: Request, principal: Principal = Depends(secret_key)) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.set_blocked(connection, principal.tenant, principal.key_id, customer_id, blocked=True)
    return render(request, to_wire_customer(customer))


@router.patch("/{customer_id}/unblock", response_model=Customer, responses=errors({404: ["NOT_FOUND"]}))
async def unblock_customer(
    customer_id: str, request: Request, principal: Principal = Depends(secret_key)
) -> JsonResponse:
    async with unit_of_work(request) as connection:
        customer = await service.set_blocked(connection, principal.tenant, principal.key_id, customer_id, blocked=False)
    return render(request, to_wire_customer(customer))
