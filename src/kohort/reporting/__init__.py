"""The merchant's figures for a period and a mode: read-only SQL aggregates over the orders, the groups
and the ledger (a read model across those tables; it writes nothing)."""
