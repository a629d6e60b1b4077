"""Shoppers withdrawing their cashback, and the payouts that follow: the loop from an available cashback to a confirmed bank transfer."""
