"""Every error a user can cause. str(error) is one line that says what is wrong.

The CLI and the UI catch AirsignError and show its message; anything else is a bug.
"""


class AirsignError(Exception):
    """Base of all user-facing errors."""


class UsageError(AirsignError):
    """The request itself is malformed (bad option, missing argument)."""


# --- keystore ---------------------------------------------------------------
class KeystoreError(AirsignError):
    pass


class KeystoreNotFound(KeystoreError):
    pass


class KeystoreExists(KeystoreError):
    """A seed is already stored and the caller did not ask to replace it."""


class UnlockFailed(KeystoreError):
    """Wrong passphrase or a damaged file: deliberately the same message for both."""


class NotAKeystore(KeystoreError):
    """The file is clearly not an airsign keystore (wrong magic, unknown version)."""


class KeystoreLockedOut(KeystoreError):
    """Too many failed attempts: wait before trying again."""


# --- seeds and keys ---------------------------------------------------------
class InvalidMnemonic(AirsignError):
    """A mnemonic that is not valid BIP-39. word_index is the 0-based culprit, if known."""

    def __init__(self, message: str, word_index: int | None = None):
        super().__init__(message)
        self.word_index = word_index


class EntropyError(AirsignError):
    """Not enough or unhealthy entropy (too few rolls, a frozen camera)."""


class InvalidKey(AirsignError):
    pass


class BackupCheckFailed(AirsignError):
    """The backup quiz was answered wrongly: the new seed is not stored."""


# --- wallets ----------------------------------------------------------------
class InvalidWallet(AirsignError):
    """A descriptor or wallet file that cannot be parsed or is not acceptable."""


class WalletMismatch(InvalidWallet):
    """The wallet does not contain our key, or our fingerprint with a key we do not derive."""


class WrongNetwork(InvalidWallet):
    """A wallet for another network than the device is set to."""


class UnknownWallet(AirsignError):
    pass


class InvalidAddress(AirsignError):
    """Not a valid address, or an address of another network than the wallets."""


# --- PSBT -------------------------------------------------------------------
class InvalidPSBT(AirsignError):
    pass


class PSBTTooComplex(InvalidPSBT):
    """A PSBT beyond the loader's limits (size, counts, entries, path depth): refused before
    the device spends unbounded time or memory on it, whether or not it is otherwise valid."""


class SigningRefused(AirsignError):
    """Signing was refused (danger warnings not acknowledged, nothing to sign, ...)."""


# --- messages ----------------------------------------------------------------
class InvalidMessage(AirsignError):
    """A message request that cannot be signed, or a signature that does not verify."""


# --- QR transport -----------------------------------------------------------
class TransportError(AirsignError):
    """A QR payload that cannot be read (bad checksum, unknown format, garbled)."""


class SequenceMismatch(TransportError):
    """A part that belongs to another animated sequence than the one being collected."""


class PayloadTooLarge(TransportError):
    pass


class CameraError(AirsignError):
    pass
