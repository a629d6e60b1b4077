"""The chart of accounts. Every account exists once per (organization, livemode): a merchant's books in
one mode. Amounts are signed integer cents, debits positive and credits negative, so an asset or
expense has a positive balance and a liability a negative one.

Entries on the per-shopper accounts name their order (`order_id`), so what one shopper is owed is the
sum of that order's entries.
"""

from enum import StrEnum


class Account(StrEnum):
    # What the merchant spends on cashback, debited when a group completes.
    CASHBACK_EXPENSE = "cashback_expense"
    # What the merchant owes each shopper (per order), credited when the cashback becomes available and
    # debited when it is withdrawn (moved to CASHBACK_IN_TRANSIT).
    CASHBACK_LIABILITY = "cashback_liability"
    # Cashback on its way to a shopper's bank: credited at withdrawal, debited when the transfer is confirmed.
    CASHBACK_IN_TRANSIT = "cashback_in_transit"
    # The merchant's acquisition fees for the shoppers it gained through referrals (§7.1).
    ACQUISITION_FEE_EXPENSE = "acquisition_fee_expense"
    # Fees the merchant owes the platform, credited with the acquisition fees, debited when billed and paid.
    PLATFORM_FEES_PAYABLE = "platform_fees_payable"
    # What a shopper owes back (per order): cashback already paid (or in a transfer that cannot be
    # stopped) beyond what a later refund left due. Debited by the refund, credited as it is deducted from
    # the shopper's next cashback with this merchant.
    CASHBACK_RECEIVABLE = "cashback_receivable"
    # The merchant's money as the platform holds it for payouts (debited on funding, credited on transfers).
    MERCHANT_FUNDS = "merchant_funds"


# A set of plain values too: a stray string is looked up without the enum raising.
ALL: frozenset[str] = frozenset(Account)
