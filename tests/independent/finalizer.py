"""A second wallet library finalizes what airsign signed: BDK (bdkpython, the Bitcoin
Development Kit's Rust code: rust-bitcoin's sighash, rust-miniscript's finalizer). Its finalizer
runs the miniscript interpreter over every input, so a signature that does not verify for the
PSBT's own transaction makes finalization fail."""

import base64
from dataclasses import dataclass

import bdkpython

from .sighash import as_v0


@dataclass(frozen=True)
class Final:
    version: int
    locktime: int
    sequences: tuple[int, ...]
    raw: bytes  # the final transaction, ready to broadcast


def finalize(psbt: bytes) -> Final:
    """Finalize and extract with BDK (v2 PSBTs are rewritten as v0, which BDK reads);
    AssertionError with BDK's reasons when it cannot."""
    result = bdkpython.Psbt(base64.b64encode(as_v0(psbt)).decode()).finalize()
    assert result.could_finalize, f"BDK cannot finalize: {result.errors}"
    tx = result.psbt.extract_tx()
    return Final(tx.version(), tx.lock_time(), tuple(txin.sequence for txin in tx.input()),
                 bytes(tx.serialize()))
