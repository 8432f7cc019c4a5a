"""Sign the inputs of a reviewed PSBT that belong to our wallets, and nothing else.

Signing adds partial signatures (or a taproot key-path signature) to the PSBT's input maps and
touches no other byte. Each input is re-checked before it is signed: its scripts must be the
wallet's scripts at that index, and each new signature is verified before it is kept.
Costs stay linear: one unsigned transaction (so BIP-143/341 hashes are computed once), one
account key derivation per wallet and one chain key per (wallet, change).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from embit import script as embit_script
from embit.bip32 import HDKey
from embit.ec import PrivateKey, Signature
from embit.hashes import hash160
from embit.psbt import PSBT, InputScope
from embit.transaction import Transaction
from embit.util import secp256k1

from signer.errors import SigningRefused
from signer.psbt import (
    IN_PARTIAL_SIG,
    IN_TAP_KEY_SIG,
    ParsedPSBT,
    load_psbt,
    serialize_psbt,
    signatures_only,
    unsigned_transaction,
)
from signer.review import InputReview, Part, Review, Severity, Subject, Warning, input_utxo
from signer.scripts import ScriptType
from signer.wallet.derivation import ChainKey
from signer.wallet.model import Wallet

ECDSA_SIGHASHES = {0x01, 0x02, 0x03, 0x81, 0x82, 0x83}
TAPROOT_SIGHASHES = {0x00} | ECDSA_SIGHASHES
SAFE_SIGHASHES = {0x00, 0x01}  # DEFAULT (taproot) and ALL; others need --allow sighash
LEGACY_TYPES = (ScriptType.P2SH, ScriptType.P2PKH)  # pre-segwit: the original sighash


@dataclass(frozen=True)
class SignResult:
    psbt: ParsedPSBT  # the signed PSBT (or only the signatures, with sigs_only)
    signed_inputs: tuple[int, ...]
    signatures: int
    skipped: tuple[Warning, ...]  # our inputs refused at signing time, with the reason


def sign_ecdsa_low_r(secret: bytes, digest: bytes) -> bytes:
    """RFC 6979 ECDSA, DER-encoded, ground to a low R as Bitcoin Core does (71 bytes max).

    Core retries with a 32-byte little-endian counter as extra nonce data until R's top bit
    is clear; doing the same gives Core's exact signatures.
    """
    signature = secp256k1.ecdsa_sign(digest, secret)
    counter = 0
    while secp256k1.ecdsa_signature_serialize_compact(signature)[0] >= 0x80:
        counter += 1
        signature = secp256k1.ecdsa_sign(digest, secret, None, counter.to_bytes(32, "little"))
    return secp256k1.ecdsa_signature_serialize_der(signature)


class _Keys:
    """Our private keys, derived once per account and chain, then one step per address."""

    def __init__(self, root: HDKey):
        self.root = root
        self._chains: dict[tuple[tuple[int, ...], int], tuple[bytes, ChainKey]] = {}

    def child(self, path: tuple[int, ...]) -> PrivateKey:
        prefix, chain, index = path[:-2], path[-2], path[-1]
        if (prefix, chain) not in self._chains:
            chain_key = self.root.derive([*prefix, chain])
            self._chains[(prefix, chain)] = (chain_key.key.secret, ChainKey.of(chain_key))
        secret, chain_key = self._chains[(prefix, chain)]
        return chain_key.private_child(secret, index)


class _Signer:
    def __init__(self, psbt: ParsedPSBT, review: Review, root: HDKey, allow: frozenset[str]):
        self.psbt = psbt
        self.review = review
        self.allow = allow
        self.keys = _Keys(root)
        self.tx: Transaction = unsigned_transaction(psbt)
        self.skipped: list[Warning] = []
        self.added: dict[int, list[bytes]] = {}
        self._taproot_utxos: tuple[list, list[int]] | None = None

    def skip(self, index: int, reason: str) -> None:
        subject = Subject(Part.INPUT, index, len(self.psbt.inputs))
        self.skipped.append(Warning("script-mismatch", Severity.DANGER,
                                    f"not signed: {reason}",
                                    subject, self.review.inputs[index].amount))

    def sign_input(self, review: InputReview) -> int:
        index, location = review.index, review.location
        if location is None or review.our_path is None:
            return 0
        inp = self.psbt.inputs[index]
        sighash = review.sighash_type
        if sighash not in SAFE_SIGHASHES and "sighash" not in self.allow:
            return 0
        utxo, mismatch = input_utxo(inp)
        if utxo is None:
            self.skip(index, mismatch or "its amount is unknown")
            return 0
        scripts = location.scripts
        if utxo.script_pubkey.data != scripts.script_pubkey.data:
            self.skip(index, "it does not spend the wallet's script at that index")
            return 0
        for given, expected, name in ((inp.witness_script, scripts.witness_script, "witness"),
                                      (inp.redeem_script, scripts.redeem_script, "redeem")):
            if given is not None and (expected is None or given.data != expected.data):
                self.skip(index, f"its {name} script is not the wallet's script at that index")
                return 0
        key = self.keys.child(review.our_path)
        if location.wallet.script_type is ScriptType.P2TR:
            return self._sign_taproot(index, inp, key, sighash)
        if sighash not in ECDSA_SIGHASHES:
            self.skip(index, f"sighash 0x{sighash:02x} is not valid for this input")
            return 0
        return self._sign_ecdsa(review, key, utxo.value)

    def _sign_ecdsa(self, review: InputReview, key: PrivateKey, amount: int) -> int:
        index, sighash, location = review.index, review.sighash_type, review.location
        assert location is not None
        pubkey = key.get_public_key()
        if pubkey in self.psbt.inputs[index].partial_sigs:
            return 0  # already signed by us: signing again would change nothing useful
        scripts = location.scripts
        script_type = location.wallet.script_type
        if script_type.is_multisig:
            script_code = scripts.witness_script or scripts.redeem_script
            assert script_code is not None
            if pubkey.sec() not in script_code.data:
                self.skip(index, "our key is not in the wallet's script (wrong wallet file?)")
                return 0
        else:
            if hash160(pubkey.sec()) not in (scripts.redeem_script or scripts.script_pubkey).data:
                self.skip(index, "our key does not match the single-signature script")
                return 0
            script_code = embit_script.p2pkh(pubkey)
        if script_type in LEGACY_TYPES:
            digest = self.tx.sighash_legacy(index, script_code, sighash)
        else:
            digest = self.tx.sighash_segwit(index, script_code, amount, sighash)
        der = sign_ecdsa_low_r(key.secret, digest)
        if not pubkey.verify(Signature.parse(der), digest):
            raise SigningRefused(f"input {index}: a new signature failed verification")
        self.psbt.add_partial_sig(index, pubkey.sec(), der + bytes([sighash]))
        self.added.setdefault(index, []).append(bytes([IN_PARTIAL_SIG]) + pubkey.sec())
        return 1

    def _sign_taproot(self, index: int, inp: InputScope, key: PrivateKey, sighash: int) -> int:
        if sighash not in TAPROOT_SIGHASHES:
            self.skip(index, f"sighash 0x{sighash:02x} is not valid for taproot")
            return 0
        if bytes([IN_TAP_KEY_SIG]) in inp.unknown:
            return 0
        tweaked = key.taproot_tweak(b"")  # BIP-86: no script tree
        script_pubkeys, amounts = self._all_utxos()
        digest = self.tx.sighash_taproot(index, script_pubkeys, amounts, sighash)
        signature = tweaked.schnorr_sign(digest)
        if not tweaked.get_public_key().schnorr_verify(signature, digest):
            raise SigningRefused(f"input {index}: a new signature failed verification")
        data = signature.serialize() + (bytes([sighash]) if sighash else b"")
        self.psbt.add_taproot_key_sig(index, data)
        self.added.setdefault(index, []).append(bytes([IN_TAP_KEY_SIG]))
        return 1

    def _all_utxos(self) -> tuple[list, list[int]]:
        """Taproot signs every input's amount and script (BIP-341)."""
        if self._taproot_utxos is None:
            spent = [input_utxo(inp)[0] for inp in self.psbt.inputs]
            if any(utxo is None for utxo in spent):
                raise SigningRefused("a taproot input needs every input's amount and script")
            self._taproot_utxos = ([u.script_pubkey for u in spent if u is not None],
                                   [u.value for u in spent if u is not None])
        return self._taproot_utxos


def _check_review_matches(psbt: PSBT, review: Review, root: HDKey,
                          wallets: Sequence[Wallet]) -> None:
    prevouts = [f"{inp.txid.hex()}:{inp.vout}" for inp in psbt.inputs]
    if prevouts != [inp.prevout for inp in review.inputs]:
        raise SigningRefused("the review belongs to a different PSBT")
    known = {id(wallet) for wallet in wallets}
    for inp in review.inputs:
        location = inp.location
        if location is None:
            continue
        own_single_sig = (not location.wallet.is_multisig and location.wallet.keys[0].fingerprint
                          == root.my_fingerprint)
        if id(location.wallet) not in known and not own_single_sig:
            raise SigningRefused("the review was made with wallets that were not given to sign")


def check_allowed(review: Review, allow: set[str] | frozenset[str]) -> None:
    """SigningRefused naming the first danger warning whose code is not in allow."""
    unacknowledged = [w for w in review.blocking() if w.code not in allow]
    if unacknowledged:
        first = unacknowledged[0]
        more = f" (and {len(unacknowledged) - 1} more)" if len(unacknowledged) > 1 else ""
        raise SigningRefused(f"refusing to sign: {first.text()}{more}; "
                             f"override with --allow {first.code} if you are sure")


def sign_psbt(psbt: PSBT, review: Review, *, root: HDKey, wallets: Sequence[Wallet],
              allow: set[str] | frozenset[str] = frozenset(),
              sigs_only: bool = False) -> SignResult:
    """Add our signatures to psbt (in place) for every input the review found ours.

    Refuses with SigningRefused while a danger warning's code is not in `allow`, or when there
    is nothing to sign.
    """
    check_allowed(review, allow)
    _check_review_matches(psbt, review, root, wallets)
    if not isinstance(psbt, ParsedPSBT):
        psbt = load_psbt(serialize_psbt(psbt))
    if not any(inp.ours for inp in review.inputs):
        raise SigningRefused("nothing to sign: no input belongs to a wallet on this device")
    signer = _Signer(psbt, review, root, frozenset(allow))
    signed = []
    count = 0
    for inp in review.inputs:
        added = signer.sign_input(inp)
        if added:
            signed.append(inp.index)
            count += added
    result_psbt = signatures_only(psbt, signer.added) if sigs_only else psbt
    return SignResult(result_psbt, tuple(signed), count, tuple(signer.skipped))

