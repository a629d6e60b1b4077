"""Cashback: how much each participant of a completed group earns, and the fees; posts through the ledger."""
