"""Types shared by every transport format: what was scanned, how far along a scan is."""

from dataclasses import dataclass, field
from enum import StrEnum


class Format(StrEnum):
    """How a payload crossed the air gap, so the reply can go back the same way."""

    UR = "ur"
    BBQR = "bbqr"
    PMOFN = "specter"  # Specter's "pMofN " prefixed parts
    SINGLE = "single"  # one plain QR (base64, hex, base43, text, SeedQR, ...)


class PayloadKind(StrEnum):
    PSBT = "psbt"
    TRANSACTION = "transaction"
    DESCRIPTOR = "descriptor"  # output descriptor text
    WALLET_FILE = "wallet-file"  # Specter/Sparrow JSON, Coldcard multisig text
    ADDRESS = "address"
    XPUB = "xpub"
    SEEDQR = "seedqr"  # BIP-39 words from a SeedQR (standard or compact)
    MNEMONIC = "mnemonic"  # BIP-39 words as plain text
    ACCOUNT = "account"  # UR crypto-account (cosigner key export)
    SIGN_MESSAGE = "sign-message"  # SeedSigner's "signmessage PATH ascii:TEXT" request
    BYTES = "bytes"
    TEXT = "text"

    @property
    def holds_secret(self) -> bool:
        """A seed's words: written to disk only as private files (signer.secretfile)."""
        return self in (PayloadKind.SEEDQR, PayloadKind.MNEMONIC)


@dataclass(frozen=True)
class Payload:
    """A complete, checked payload.

    data is bytes for PSBT / transaction / bytes, str for everything textual; for SEEDQR and
    MNEMONIC it is the space-separated words. `encoding` records the sub-format inside the
    transport (e.g. "base64", "hex", "base43", "crypto-psbt", "psbt", "Z", "compact") so the
    reply can use the same one.
    """

    kind: PayloadKind
    data: bytes | str
    format: Format
    encoding: str = ""
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """How far an animated scan has come; what a screen or progress bar shows."""

    format: Format
    parts_received: int  # distinct useful parts seen so far
    parts_total: int  # fragments (UR) or parts (BBQr, pMofN) in the sequence
    missing: tuple[int, ...] = ()  # 1-based part numbers still missing (non-fountain formats)
    estimated_remaining: int = 0  # honest estimate of how many more useful frames are needed

    @property
    def fraction(self) -> float:
        if self.parts_total <= 0:
            return 0.0
        done = self.parts_total - self.estimated_remaining
        return max(0.0, min(1.0, done / self.parts_total))
