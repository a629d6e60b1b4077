"""Refunds of orders, and what they do to the order's group, its cashback and the ledger."""
