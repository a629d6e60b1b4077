"""Every module that declares job handlers or sweeps. Importing this registers them; runners do.

Add a line per domain `tasks.py` as domains arrive."""

from types import ModuleType

from kohort.email import tasks as email_tasks
from kohort.idempotency import tasks as idempotency_tasks
from kohort.ledger import tasks as ledger_tasks
from kohort.notify import tasks as notify_tasks
from kohort.referral_group import tasks as referral_group_tasks
from kohort.webhook import tasks as webhook_tasks
from kohort.worker import tasks as worker_tasks

MODULES: tuple[ModuleType, ...] = (
    referral_group_tasks, notify_tasks, email_tasks, idempotency_tasks, worker_tasks, webhook_tasks, ledger_tasks,
)
