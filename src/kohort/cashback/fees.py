"""The platform's acquisition fee (BEHAVIOUR.md §7.1): the rule lives beside the organization's settings,
where the ledger audit can reach it too."""

from __future__ import annotations

from kohort.organization.fees import BASIS_POINTS_PER_PERCENT, VAT_PERCENT, application_fee

__all__ = ["BASIS_POINTS_PER_PERCENT", "VAT_PERCENT", "application_fee"]
