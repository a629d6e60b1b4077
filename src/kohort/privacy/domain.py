"""What an erasure removes and what it writes instead.

The pseudonym is derived from the customer's id, so erasing twice writes the same values; it carries
nothing of the person. Names and phone numbers become null (pages then call the shopper "a friend").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kohort.customer.domain import Customer
from kohort.order.domain import Order
from kohort.payout.domain import Payout
from kohort.referral_group.domain import ReferralGroup
from kohort.refund.domain import Refund
from kohort.worker.domain import Job

# What an erased IBAN, holder name or any other personal text reads as where a value must remain.
ERASED = "ERASED"
PSEUDONYM_DOMAIN = "erased.invalid"


def pseudonym_email(customer_id: str) -> str:
    """`erased-<digest>@erased.invalid`: stable per customer, unique per tenant (the email index), and
    undeliverable (`.invalid` is reserved)."""
    return f"erased-{hashlib.sha256(customer_id.encode()).hexdigest()[:16]}@{PSEUDONYM_DOMAIN}"


@dataclass(frozen=True)
class PersonalData:
    """Every personal text known of one customer, as stored in the rows that name them (the customer, the
    copies on their orders and groups, their payouts' holder names and IBANs)."""

    emails: frozenset[str]
    # Names, phone numbers, holder names, display names ("Ann L."): a stored text equal to one of them
    # becomes null.
    values: frozenset[str]
    # Names and phone numbers: replaced where they stand as whole words inside a longer text.
    words: frozenset[str]
    # IBANs, full or masked: replaced wherever they appear inside a text.
    ibans: frozenset[str]
    pseudonym: str

    @classmethod
    def of(cls, *, emails: Iterable[str | None], values: Iterable[str | None], words: Iterable[str | None],
           ibans: Iterable[str | None], pseudonym: str) -> PersonalData:
        def kept(texts: Iterable[str | None]) -> frozenset[str]:
            return frozenset(text.strip() for text in texts if text and text.strip())

        return cls(emails=kept(emails) - {pseudonym}, values=kept(values), words=kept(words), ibans=kept(ibans),
                   pseudonym=pseudonym)

    @property
    def search_texts(self) -> list[str]:
        """ASCII texts a database search can look for (names may be stored escaped)."""
        return sorted(text for text in self.emails | self.ibans if text.isascii())

    def _patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        inside = sorted(self.emails | self.ibans, key=len, reverse=True)
        words = sorted(self.words, key=len, reverse=True)
        return (
            re.compile("|".join(re.escape(text) for text in inside), re.IGNORECASE) if inside else None,
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(word) for word in words) + r")(?!\w)", re.IGNORECASE)
            if words else None,
        )

    def scrub_text(self, text: str, *, nullable: bool = True) -> str | None:
        """`text` without the personal data: a text equal to a name or phone becomes None (`ERASED` where
        a text must remain: metadata); an email inside it becomes the pseudonym, an IBAN, a name or a phone
        number `ERASED`."""
        if text.strip().casefold() in {value.casefold() for value in self.values}:
            return None if nullable else ERASED
        inside, words = self._patterns()
        emails = {email.casefold() for email in self.emails}
        if inside is not None:
            text = inside.sub(lambda found: self.pseudonym if found.group(0).casefold() in emails else ERASED, text)
        if words is not None:
            text = words.sub(ERASED, text)
        return text

    def scrub(self, value: Any, *, nullable: bool = True) -> Any:
        """A JSON value (an event's object, a stored answer, an email's context) without the personal data."""
        if isinstance(value, str):
            return self.scrub_text(value, nullable=nullable)
        if isinstance(value, dict):
            return {key: self.scrub(item, nullable=nullable) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub(item, nullable=nullable) for item in value]
        return value


@dataclass(frozen=True)
class CustomerRecord:
    """Everything held about one customer (the access export)."""

    customer: Customer
    orders: list[Order]
    groups_owned: list[ReferralGroup]
    groups_joined: list[ReferralGroup]
    refunds: list[Refund]
    payouts: list[Payout]
    emails: list[Job]
    # What the shopper owes the merchant back, in cents (receivables from refunds, read from the ledger).
    cashback_owed: int
