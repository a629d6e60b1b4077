"""API key → (organization, mode, key kind)."""
