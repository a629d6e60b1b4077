"""Payouts of shoppers' cashback: the merchant's paying account, payouts, SEPA credit-transfer batches."""
