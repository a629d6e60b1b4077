"""Payout providers: how a batch of payouts reaches a bank.

`PayoutProvider` is the seam for a bank API later. `SepaFileProvider` is the real one today: it writes
an ISO 20022 pain.001.001.03 credit-transfer file with sepaxml and validates it against the XSD
shipped with sepaxml before anyone sees it; the merchant uploads the file to their bank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sepaxml import SepaTransfer

SEPA_SCHEMA = "pain.001.001.03"


@dataclass(frozen=True)
class DebtorAccount:
    name: str
    iban: str
    bic: str | None


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    creditor_name: str
    iban: str
    amount: int  # cents
    description: str


@dataclass(frozen=True)
class BatchDocument:
    message_id: str
    content: str
    media_type: str


class PayoutProvider(Protocol):
    name: str

    def build_batch(self, debtor: DebtorAccount, transfers: list[Transfer], *, execution_date: date) -> BatchDocument:
        """The document (or request) that executes `transfers` from the debtor's account."""
        ...


class SepaFileProvider:
    name = "sepa_file"

    def build_batch(self, debtor: DebtorAccount, transfers: list[Transfer], *, execution_date: date) -> BatchDocument:
        config: dict[str, object] = {"name": debtor.name, "IBAN": debtor.iban, "batch": True, "currency": "EUR"}
        if debtor.bic:
            config["BIC"] = debtor.bic
        document = SepaTransfer(config, schema=SEPA_SCHEMA, clean=True)
        for transfer in transfers:
            document.add_payment({
                "name": transfer.creditor_name,
                "IBAN": transfer.iban,
                "amount": transfer.amount,
                "execution_date": execution_date,
                "description": transfer.description,
                "endtoend_id": transfer.end_to_end_id,
            })
        # validate=True checks the file against the pain.001.001.03 XSD (xmlschema) and raises otherwise.
        content = document.export(validate=True, pretty_print=True)
        return BatchDocument(message_id=document.msg_id, content=content.decode("utf-8"), media_type="application/xml")
