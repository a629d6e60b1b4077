"""Referral groups: open, join, validate, cancel, expire."""
