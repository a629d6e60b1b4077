"""Every table, as SQLAlchemy Core `Table`s on one `metadata`, portable between SQLite and PostgreSQL."""

from kohort.models.base import metadata
from kohort.models.brand import brand_settings
from kohort.models.customer import customers
from kohort.models.event import events
from kohort.models.idempotency import idempotency_keys
from kohort.models.instance import instance_settings
from kohort.models.job import JobStatus, jobs
from kohort.models.ledger import ledger_chain_heads, ledger_entries, ledger_seals, ledger_transactions
from kohort.models.order import LineItemType, OrderStatus, orders
from kohort.models.organization import ApiKeyKind, ShareCodePrefix, api_keys, group_settings, organizations
from kohort.models.payout import BatchStatus, PayoutStatus, payout_accounts, payout_batches, payouts
from kohort.models.ratelimit import rate_limit_counters
from kohort.models.referral_group import GroupStatus, ReminderState, payment_groups
from kohort.models.refund import RefundStage, refunds
from kohort.models.reporting import daily_figures
from kohort.models.user import Role, login_throttles, user_sessions, users
from kohort.models.webhook import webhook_attempts, webhook_deliveries, webhook_endpoints

__all__ = [
    "ApiKeyKind",
    "BatchStatus",
    "GroupStatus",
    "JobStatus",
    "LineItemType",
    "OrderStatus",
    "PayoutStatus",
    "RefundStage",
    "ReminderState",
    "Role",
    "ShareCodePrefix",
    "api_keys",
    "brand_settings",
    "customers",
    "daily_figures",
    "events",
    "group_settings",
    "idempotency_keys",
    "instance_settings",
    "jobs",
    "ledger_chain_heads",
    "ledger_entries",
    "ledger_seals",
    "ledger_transactions",
    "login_throttles",
    "metadata",
    "orders",
    "organizations",
    "payment_groups",
    "payout_accounts",
    "payout_batches",
    "payouts",
    "rate_limit_counters",
    "refunds",
    "user_sessions",
    "users",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_endpoints",
]
