"""What the database remembers of the encryption key (never the key itself), and why a process refuses it."""

from __future__ import annotations

# instance_settings names.
FINGERPRINT = "encryption_key_fingerprint"
# Set while `kohort keys rotate-encryption` runs: the fingerprint of the key it moves the secrets to.
ROTATING_TO = "encryption_key_rotating_to"

FIX = ("Set KOHORT_ENCRYPTION_KEY to the key this database was first used with (or, if it ran on the development "
       "key, point KOHORT_DEV_KEY_FILE at that key's file). To change keys, run `kohort keys rotate-encryption` "
       "with the current key set.")


class KeyMismatch(Exception):
    """The process's encryption key is not the one the database's secrets are encrypted with."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def mismatch(stored: str, offered: str, rotating_to: str | None) -> KeyMismatch:
    if rotating_to == offered:
        return KeyMismatch(
            f"This encryption key (fingerprint {offered[:12]}) is the target of a key rotation that did not finish: "
            f"the database still expects the key with fingerprint {stored[:12]}. Run `kohort keys rotate-encryption` "
            "again with that key as KOHORT_ENCRYPTION_KEY and this one as the new key; it resumes where it stopped."
        )
    return KeyMismatch(
        f"Refusing to start: the encryption key (fingerprint {offered[:12]}) is not the key this database's "
        f"secrets are encrypted with (fingerprint {stored[:12]}). {FIX}"
    )
