"""Taking a shopper out of a stored pain.001 file (a GDPR erasure): their transfers keep their amount
and end-to-end id, but the creditor's name and IBAN are replaced. Only for files the bank has executed
already: the stored copy is then the merchant's record, never uploaded again."""

from __future__ import annotations

import html
import re
from collections.abc import Collection

_TRANSFER = re.compile(r"<CdtTrfTxInf>.*?</CdtTrfTxInf>", re.DOTALL)
_END_TO_END_ID = re.compile(r"<EndToEndId>(.*?)</EndToEndId>", re.DOTALL)
_CREDITOR_NAME = re.compile(r"(<Cdtr>\s*<Nm>).*?(</Nm>)", re.DOTALL)
_CREDITOR_IBAN = re.compile(r"(<CdtrAcct>\s*<Id>\s*<IBAN>).*?(</IBAN>)", re.DOTALL)


def redact_transfers(document: str, end_to_end_ids: Collection[str], *, placeholder: str) -> str:
    """`document` with the creditor name and IBAN of the transfers `end_to_end_ids` set to `placeholder`."""
    wanted = set(end_to_end_ids)
    replacement = html.escape(placeholder)

    def redact(match: re.Match[str]) -> str:
        transfer = match.group(0)
        found = _END_TO_END_ID.search(transfer)
        if found is None or html.unescape(found.group(1).strip()) not in wanted:
            return transfer
        transfer = _CREDITOR_NAME.sub(lambda part: part.group(1) + replacement + part.group(2), transfer)
        return _CREDITOR_IBAN.sub(lambda part: part.group(1) + replacement + part.group(2), transfer)

    return _TRANSFER.sub(redact, document)
