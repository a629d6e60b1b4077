"""Every module that declares job handlers or sweeps. Importing this registers them; runners do.

Add a line per domain `tasks.py` as domains arrive."""

from types import ModuleType

from kohort.email import tasks as email_tasks

MODULES: tuple[ModuleType, ...] = (email_tasks,)
