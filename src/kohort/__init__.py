"""Kohort: a self-hostable referral-cashback platform speaking the KohortPay REST API."""

__version__ = "0.1.0"
