"""Every domain router, mounted where the KohortPay API has it."""

from fastapi import FastAPI

from kohort.customer.endpoints import router as customer_router
from kohort.order.endpoints import router as order_router
from kohort.organization.endpoints import router as settings_router
from kohort.referral_group.endpoints import router as group_router
from kohort.referral_group.endpoints import test_helpers_router


def include_routers(app: FastAPI) -> None:
    app.include_router(order_router)
    app.include_router(customer_router)
    app.include_router(settings_router)
    app.include_router(test_helpers_router)
    for prefix in ("/groups", "/payment-groups"):
        app.include_router(
            group_router,
            prefix=prefix,
            generate_unique_id_function=lambda route, prefix=prefix: f"{prefix.strip('/')}_{route.name}",
        )
