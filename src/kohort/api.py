"""Every domain router, mounted where the KohortPay API has it."""

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.routing import APIRoute

from kohort.brand.endpoints import router as brand_router
from kohort.checkout.endpoints import payment_intents_router, sessions_router
from kohort.customer.endpoints import router as customer_router
from kohort.dashboard.endpoints import router as dashboard_router
from kohort.events.endpoints import router as events_router
from kohort.order.endpoints import router as order_router
from kohort.organization.endpoints import api_keys_router
from kohort.organization.endpoints import router as settings_router
from kohort.payout.endpoints import router as payout_router
from kohort.privacy.endpoints import router as privacy_router
from kohort.referral_group.endpoints import router as group_router
from kohort.referral_group.endpoints import test_helpers_router
from kohort.refund.endpoints import router as refund_router
from kohort.shopper.endpoints import router as shopper_router
from kohort.webhook.endpoints import resend_router as event_resend_router
from kohort.webhook.endpoints import router as webhook_router
from kohort.withdrawal.endpoints import router as withdrawal_router


def _operation_ids(prefix: str) -> Callable[[APIRoute], str]:
    """OpenAPI operation ids for a router mounted twice: each mount's ids carry its prefix."""

    def operation_id(route: APIRoute) -> str:
        return f"{prefix.strip('/')}_{route.name}"

    return operation_id


def include_routers(app: FastAPI) -> None:
    app.include_router(order_router)
    app.include_router(refund_router)
    app.include_router(sessions_router)
    app.include_router(payment_intents_router)
    app.include_router(customer_router)
    app.include_router(privacy_router)
    app.include_router(settings_router)
    app.include_router(api_keys_router)
    app.include_router(test_helpers_router)
    app.include_router(brand_router)
    app.include_router(payout_router)
    app.include_router(withdrawal_router)
    app.include_router(events_router)
    app.include_router(event_resend_router)
    app.include_router(webhook_router)
    for prefix in ("/groups", "/payment-groups"):
        app.include_router(
            group_router,
            prefix=prefix,
            generate_unique_id_function=_operation_ids(prefix),
        )
    app.include_router(dashboard_router)
    # Last: the shopper pages' `/{locale}/pg/{code}` must not shadow an API route.
    app.include_router(shopper_router)
