"""Payouts of shoppers' cashback: the merchant's paying account, one payout per withdrawal, and the
SEPA credit-transfer batches (pain.001) that carry them to the bank."""

from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, false

from kohort.models.base import UTCDateTime, metadata


class PayoutStatus(StrEnum):
    """PENDING (waiting for a batch) → IN_BATCH → PAID, or FAILED (the order gets its cashback back), or
    REQUIRES_ATTENTION (it cannot go into a SEPA file; the merchant fails it)."""

    PENDING = "PENDING"
    IN_BATCH = "IN_BATCH"
    PAID = "PAID"
    FAILED = "FAILED"
    # Could not go into a SEPA file (its reason in attention_reason); the merchant fails it, and the
    # shopper enters their details again. The money stays reserved meanwhile.
    REQUIRES_ATTENTION = "REQUIRES_ATTENTION"


class BatchStatus(StrEnum):
    """EXPORTED (the file was handed to the merchant) → CONFIRMED (their bank executed it)."""

    EXPORTED = "EXPORTED"
    CONFIRMED = "CONFIRMED"


payout_accounts = Table(
    "payout_accounts",
    metadata,
    Column("organization_id", ForeignKey("organizations.id"), primary_key=True),
    Column("livemode", Boolean, primary_key=True),
    Column("debtor_name", String(70), nullable=False),  # pain.001 Dbtr/Nm allows 70 characters
    Column("iban", String(34), nullable=False),  # the merchant's own account: not personal data
    Column("bic", String(11)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

payout_batches = Table(
    "payout_batches",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("status", String(12), nullable=False),  # EXPORTED → CONFIRMED
    Column("provider", String(20), nullable=False),
    Column("message_id", String(35), nullable=False),  # pain.001 GrpHdr/MsgId
    Column("payout_count", Integer, nullable=False),
    Column("total_amount", BigInteger, nullable=False),
    # The pain.001 XML as handed to the merchant, AES-GCM encrypted (kohort.kit.crypto) and bound to the batch;
    # once the batch is confirmed, a copy with masked IBANs (kohort.payout.batch_file).
    Column("document", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime),
    Column("ibans_masked", Boolean, nullable=False, server_default=false()),
    Index("ix_payout_batches_tenant_created", "organization_id", "livemode", "created_at"),
)

payouts = Table(
    "payouts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("livemode", Boolean, nullable=False),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    # PENDING (waiting for a batch) → IN_BATCH → PAID, or FAILED (the order gets its cashback back);
    # REQUIRES_ATTENTION when it cannot go into a SEPA file (the merchant then fails it).
    Column("status", String(20), nullable=False),
    Column("holder_name", String(70)),
    # AES-GCM ciphertext of the shopper's IBAN (kohort.kit.crypto); erased once the payout is settled.
    Column("iban_encrypted", String(200)),
    Column("iban_masked", String(20), nullable=False),  # "FR76 •••• 2606", kept for people
    Column("batch_id", ForeignKey("payout_batches.id")),
    Column("end_to_end_id", String(35), nullable=False),
    # SHA-256 of the withdrawal token this payout consumed: the shopper's link, once used, still shows
    # the payout's status instead of a form (any other token gets the neutral error).
    Column("token_hash", String(64)),  # pain.001 EndToEndId: the bank reports it back
    Column("failure_reason", String(200)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("paid_at", UTCDateTime),
    Column("failed_at", UTCDateTime),
    Column("attention_reason", String(200)),  # why a REQUIRES_ATTENTION payout could not go into a file
    Index("ix_payouts_tenant_status", "organization_id", "livemode", "status"),
    Index("ix_payouts_order", "order_id"),
    Index("ix_payouts_batch", "batch_id"),
)
