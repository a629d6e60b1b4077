"""Ledger errors. They mean a bug in the caller, never an expected business outcome."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of the ledger's errors."""


class UnbalancedPosting(LedgerError):
    """Raised before anything is written when a posting's entries do not sum to zero, name an unknown
    account, or hold nothing but zeros."""


class DuplicatePosting(LedgerError):
    """Raised by `post_many` when one of its idempotency keys was already posted: the whole batch (and
    the caller's transaction) must roll back, since its premise (nothing posted yet) was wrong."""
