"""Every module that declares job handlers or sweeps. Importing this registers them; runners do.

Add a line per domain `tasks.py` as domains arrive."""

from types import ModuleType

MODULES: tuple[ModuleType, ...] = ()
