"""The job that sends one queued email. A side-effect job: it touches no table and runs with no
transaction open (rendering and SMTP only), so a slow mail server never holds a database lock; the
runner keeps its lease alive while it sends, so another worker never sends it too."""

from __future__ import annotations

import logging
from typing import Any

from kohort.email import outbox
from kohort.email.render import render
from kohort.email.sender import OutgoingEmail
from kohort.runtime import Runtime
from kohort.worker.registry import side_effect_task

log = logging.getLogger("kohort.email")


@side_effect_task(outbox.JOB_KIND, backoff=outbox.RETRY)
async def send_email(runtime: Runtime, payload: dict[str, Any]) -> None:
    # Nothing to read: everything the email shows was sealed into the job.
    data = runtime.outbox.unseal(payload)
    rendered = render(payload["kind"], data["locale"], data["context"])
    await runtime.sender.send(OutgoingEmail(
        to=data["to"], subject=rendered.subject, html=rendered.html, text=rendered.text,
        from_name=data["context"]["brand"]["name"], livemode=bool(data["context"]["brand"].get("livemode", True)),
    ))
    log.info("email.sent", extra={"kind": payload["kind"]})
