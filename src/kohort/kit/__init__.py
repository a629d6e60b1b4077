"""Helpers that know nothing of Kohort's domain."""
