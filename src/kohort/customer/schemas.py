"""Wire schemas for customers."""

from __future__ import annotations

from pydantic import Field

from kohort.customer import domain
from kohort.http.schemas import Email, Locale, Metadata, MetadataContents, Timestamp, WireModel


class Customer(WireModel):
    id: str
    email_address: str
    first_name: str | None
    last_name: str | None
    phone_number: str | None
    livemode: bool
    locale: str
    is_blocked: bool
    organization_id: str
    client_reference_id: str | None
    metadata: MetadataContents | None
    created_at: Timestamp
    created_by: str | None
    updated_at: Timestamp
    updated_by: str | None
    blocked_at: Timestamp | None
    blocked_by: str | None
    deleted_at: Timestamp | None
    # What the shopper owes this merchant back, in cents: cashback already paid that later refunds made
    # undue (receivables), not yet deducted from a new cashback of theirs. Read from the ledger.
    cashback_owed: int
    # A GDPR erasure (POST /customers/{id}/erase): the personal fields then hold a pseudonym.
    erased_at: Timestamp | None
    erased_by: str | None


def to_wire_customer(customer: domain.Customer, *, cashback_owed: int) -> Customer:
    fields = {name: getattr(customer, name) for name in Customer.model_fields if name != "cashback_owed"}
    return Customer(**fields, cashback_owed=cashback_owed)


class CustomerCreate(WireModel):
    email_address: Email
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    phone_number: str | None = Field(default=None, max_length=40)
    metadata: Metadata = None
    locale: Locale = None
    client_reference_id: str | None = Field(default=None, max_length=100)


class CustomerUpdate(WireModel):
    email_address: Email | None = None
    first_name: str | None = Field(default=None, max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    phone_number: str | None = Field(default=None, max_length=40)
    metadata: Metadata = None
    locale: Locale = None
    client_reference_id: str | None = Field(default=None, max_length=100)
