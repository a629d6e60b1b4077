"""Rate limits on what an attacker would repeat: share-code look-ups that miss, withdrawal attempts.

A rule gives a budget per fixed window (a minute) to each subject, an IP address or an API key. A
request is refused (429, `Retry-After`) while any of its subjects has spent its budget; only what the
rule counts spends it (an unknown share code, not a known one), so a shop's servers looking up real
codes are never throttled. Counters live in the process (SQLite), in PostgreSQL (shared by every
process), or in Redis when `KOHORT_REDIS_URL` is set.
"""
