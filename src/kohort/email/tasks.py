"""The job that sends one queued email. It touches no table: rendering and SMTP only, so running it
twice (a lease lost after sending) can at worst repeat one email, never corrupt anything."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from kohort.email import outbox
from kohort.email.render import render
from kohort.email.sender import OutgoingEmail
from kohort.runtime import Runtime
from kohort.worker.registry import task

log = logging.getLogger("kohort.email")


@task(outbox.JOB_KIND)
async def send_email(runtime: Runtime, connection: AsyncConnection, payload: dict[str, Any]) -> None:
    del connection  # nothing to read: everything the email shows was sealed into the job
    data = runtime.outbox.unseal(payload)
    rendered = render(payload["kind"], data["locale"], data["context"])
    await runtime.sender.send(OutgoingEmail(
        to=data["to"], subject=rendered.subject, html=rendered.html, text=rendered.text,
        from_name=data["context"]["brand"]["name"], livemode=bool(data["context"]["brand"].get("livemode", True)),
    ))
    log.info("email.sent", extra={"kind": payload["kind"]})
