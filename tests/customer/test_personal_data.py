"""What an erasure writes in place of personal data inside stored texts (kohort.privacy.domain)."""

from __future__ import annotations

from kohort.payout.redaction import redact_transfers
from kohort.privacy.domain import ERASED, PersonalData, pseudonym_email


def _ann() -> PersonalData:
    return PersonalData.of(
        emails=["Ann.Lee@example.com"], values=["Ann", "Lee", "Ann L.", "+33 6 11"], words=["Ann", "Lee", "+33 6 11"],
        ibans=["FR1420041010050500013M02606"], pseudonym=pseudonym_email("cus_1"),
    )


def test_the_pseudonym_is_stable_per_customer_and_undeliverable() -> None:
    assert pseudonym_email("cus_1") == pseudonym_email("cus_1") != pseudonym_email("cus_2")
    assert pseudonym_email("cus_1").endswith("@erased.invalid")


def test_equal_values_become_null_and_texts_lose_emails_ibans_and_names_as_words() -> None:
    ann = _ann()
    scrubbed = ann.scrub({
        "customerFirstName": "ann", "customerEmail": "ANN.LEE@example.com", "holderName": "Ann Lee",
        "note": "Ann wrote from ann.lee@example.com about FR1420041010050500013M02606",
        "status": "CASHBACK_SENT", "other": "Annabel Leeds", "amount": 4000, "items": ["Ann L."],
    })
    assert scrubbed == {
        "customerFirstName": None, "customerEmail": pseudonym_email("cus_1"), "holderName": f"{ERASED} {ERASED}",
        "note": f"{ERASED} wrote from {pseudonym_email('cus_1')} about {ERASED}",
        "status": "CASHBACK_SENT", "other": "Annabel Leeds", "amount": 4000, "items": [None],
    }


def test_a_pain_001_file_loses_the_creditor_of_the_named_transfers_only() -> None:
    document = (
        "<Document><DbtrAcct><Id><IBAN>DE89370400440532013000</IBAN></Id></DbtrAcct>"
        "<CdtTrfTxInf><PmtId><EndToEndId>E2E-1</EndToEndId></PmtId><Cdtr><Nm>Ann Lee</Nm></Cdtr>"
        "<CdtrAcct><Id><IBAN>FR1420041010050500013M02606</IBAN></Id></CdtrAcct></CdtTrfTxInf>"
        "<CdtTrfTxInf><PmtId><EndToEndId>E2E-2</EndToEndId></PmtId><Cdtr><Nm>Bob Ray</Nm></Cdtr>"
        "<CdtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></CdtrAcct></CdtTrfTxInf></Document>"
    )
    redacted = redact_transfers(document, ["E2E-1"], placeholder=ERASED)
    assert "Ann Lee" not in redacted
    assert "FR1420041010050500013M02606" not in redacted
    assert f"<Nm>{ERASED}</Nm>" in redacted
    assert "Bob Ray" in redacted
    assert "DE02120300000000202051" in redacted
    assert "DE89370400440532013000" in redacted
