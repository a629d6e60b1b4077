"""The instance's encryption key: its fingerprint in the database, checked by every process that starts, and
the state of a key rotation."""
