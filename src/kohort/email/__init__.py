"""Transactional emails to shoppers.

    runtime.outbox.enqueue(connection, kind=…, event_id=…, to=…, locale=…, context=…)   inside the causing transaction
    tasks.send_email                                                                    the job that renders and sends

Imports no other domain: callers hand over everything an email shows (plain values) when they enqueue.
"""
