"""Idempotent retries, Stripe's way: a POST sent with an `Idempotency-Key` header runs once per
(organization, mode, key); its retries get the first answer back, marked `Idempotent-Replayed: true`.

`middleware` stands in front of every route; `service` claims, completes and releases keys, each in its
own short transaction; `repository` holds the statements; `tasks` purges expired keys.
"""
