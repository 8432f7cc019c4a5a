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
from embit.psbt import PSBT
from embit.transaction import Transaction
from embit.util import secp256k1

from signer import sighash
from signer.errors import SigningRefused
from signer.psbt import (
    IN_PARTIAL_SIG,
    IN_TAP_KEY_SIG,
    ParsedPSBT,
    load_psbt,
    serialize_psbt,
    signatures_only,
    spent_coin,
    unsigned_transaction,
)
from signer.review import (
    InputReview,
    Part,
    Review,
    Severity,
    Subject,
    Warning,
    taproot_problem,
)
from signer.wallet.derivation import ChainKey
from signer.wallet.model import Wallet
from signer.wallet.template import TapLeaf, TaprootSpend

# Why an input the review found ours was not signed after all (SignResult.skipped); each
# reason its own code (docs/signing.md).
SKIP_CODES = frozenset({
    "missing-utxo", "utxo-mismatch", "missing-previous-tx", "not-wallet-script",
    "key-not-in-script", "sighash", "sighash-refused",
})


@dataclass(frozen=True)
class SignResult:
    psbt: ParsedPSBT  # the signed PSBT (or only the signatures, with sigs_only)
    signed_inputs: tuple[int, ...]
    signatures: int
    skipped: tuple[Warning, ...]  # our inputs refused at signing time, with the reason
    # inputs whose signature under our key did not verify for this transaction: ours replaced it
    replaced: tuple[int, ...] = ()


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
    def __init__(self, psbt: ParsedPSBT, root: HDKey, allow: frozenset[str]):
        self.psbt = psbt
        self.allow = allow
        self.keys = _Keys(root)
        self.tx: Transaction = unsigned_transaction(psbt)
        self.coins = [spent_coin(inp) for inp in psbt.inputs]
        self.digests = sighash.Digests(self.tx, [coin.output for coin in self.coins])
        self.skipped: list[Warning] = []
        self.added: dict[int, list[bytes]] = {}
        self.replaced: list[int] = []

    def skip(self, code: str, index: int, reason: str) -> int:
        subject = Subject(Part.INPUT, index, len(self.psbt.inputs))
        amount = self.coins[index].output
        self.skipped.append(Warning(code, Severity.DANGER, f"not signed: {reason}", subject,
                                    amount.value if amount is not None else None))
        return 0

    def sign_input(self, review: InputReview) -> int:
        """Re-check one input of ours against the wallet, then sign it; 0 when skipped."""
        index, location = review.index, review.location
        if location is None or review.our_path is None:
            return 0
        inp = self.psbt.inputs[index]
        coin = self.coins[index]
        if coin.problem:
            return self.skip("utxo-mismatch", index, coin.problem)
        if coin.output is None:
            return self.skip("missing-utxo", index, "its amount is unknown")
        scripts = location.scripts
        if coin.output.script_pubkey.data != scripts.script_pubkey.data:
            return self.skip("not-wallet-script", index, "it does not spend the wallet's script "
                             "at that index")
        for given, expected, name in ((inp.witness_script, scripts.witness_script, "witness"),
                                      (inp.redeem_script, scripts.redeem_script, "redeem")):
            if given is not None and (expected is None or given.data != expected.data):
                return self.skip("not-wallet-script", index, f"its {name} script is not the "
                                 "wallet's script at that index")
        problem = taproot_problem(inp, scripts)
        if problem:
            return self.skip("not-wallet-script", index, problem)
        algo = sighash.algorithm(scripts.script_pubkey, scripts.redeem_script)
        if algo is sighash.Algorithm.LEGACY and not coin.proven:
            return self.skip("missing-previous-tx", index, "it is not segwit and its previous "
                             "transaction is missing, so its amount cannot be proven")
        verdict = sighash.judge(review.sighash_type, algo, index, len(self.tx.vout))
        if verdict.refused:
            return self.skip("sighash-refused", index, verdict.problem)
        if not verdict.safe and "sighash" not in self.allow:
            return self.skip("sighash", index, f"{verdict.problem} (not allowed)")
        if algo is sighash.Algorithm.TAPROOT:
            spend = location.scripts.taproot
            if spend is None:  # BIP-86 single-sig: the key path with no script tree
                return self._sign_taproot(index, self.keys.child(review.our_path),
                                          review.sighash_type)
            return self._sign_tree(review, spend)
        # Each of our keys in a spending path this transaction can use (one, unless a
        # miniscript wallet holds ours in several paths).
        return sum(self._sign_ecdsa(review, self.keys.child(path), algo, coin.output.value)
                   for path in review.sign_paths)

    def _sign_tree(self, review: InputReview, spend: TaprootSpend) -> int:
        """A taproot-tree input: the key path when the internal key is ours, and each of the
        wallet's own leaves (never a leaf the PSBT names) where our keys can sign."""
        index, hash_type = review.index, review.sighash_type
        added = 0
        if review.key_path_key is not None:
            added += self._sign_taproot(index, self.keys.child(review.key_path_key), hash_type,
                                        spend.merkle_root)
        for position in review.sign_leaves:
            leaf = spend.leaves[position]
            for path in review.sign_paths:
                key = self.keys.child(path)
                if _pushes_xonly(leaf.script, key.get_public_key().xonly()):
                    added += self._sign_tapscript(index, key, leaf, hash_type)
        return added

    def _sign_tapscript(self, index: int, key: PrivateKey, leaf: TapLeaf, hash_type: int) -> int:
        xonly = key.get_public_key().xonly()
        existing = self.psbt.inputs[index].taproot_sigs.get(
            (key.get_public_key(), leaf.hash))
        if existing is not None:
            existing_type = existing[64] if len(existing) == 65 else sighash.DEFAULT
            if existing_type == hash_type and sighash.schnorr_signature_valid(
                    self.digests, index, xonly, existing, leaf.hash):
                return 0
            self.replaced.append(index)
        digest = self.digests.taproot(index, hash_type, leaf.hash)
        signature = key.schnorr_sign(digest)  # script path: the untweaked key (BIP-342)
        if not key.get_public_key().schnorr_verify(signature, digest):
            raise SigningRefused(f"input {index}: a new signature failed verification")
        data = signature.serialize() + (bytes([hash_type]) if hash_type else b"")
        added_key = self.psbt.add_taproot_script_sig(index, xonly, leaf.hash, data)
        self.added.setdefault(index, []).append(added_key)
        return 1

    def _sign_ecdsa(self, review: InputReview, key: PrivateKey, algo: sighash.Algorithm,
                    amount: int) -> int:
        index, hash_type, location = review.index, review.sighash_type, review.location
        assert location is not None
        pubkey = key.get_public_key()
        scripts = location.scripts
        if location.wallet.script_type.is_multisig:
            script_code = scripts.witness_script or scripts.redeem_script
            assert script_code is not None
            # a miniscript pkh() holds the key's hash, not the key
            if (pubkey.sec() not in script_code.data
                    and hash160(pubkey.sec()) not in script_code.data):
                return self.skip("key-not-in-script", index, "our key is not in the wallet's "
                                 "script (wrong wallet file?)")
        else:
            if hash160(pubkey.sec()) not in (scripts.redeem_script or scripts.script_pubkey).data:
                return self.skip("key-not-in-script", index, "our key does not match the "
                                 "single-signature script")
            script_code = embit_script.p2pkh(pubkey)
        code = script_code.data
        existing = self.psbt.inputs[index].partial_sigs.get(pubkey)
        if existing is not None:
            if existing[-1:] == bytes([hash_type]) and sighash.ecdsa_signature_valid(
                    self.digests, index, algo=algo, code=code, amount=amount,
                    pubkey=pubkey.sec(), signature=existing):
                return 0  # already signed by us as reviewed: signing again changes nothing
            self.replaced.append(index)
        if algo is sighash.Algorithm.LEGACY:
            digest = self.digests.legacy(index, code, hash_type)
        else:
            digest = self.digests.segwit_v0(index, code, amount, hash_type)
        der = sign_ecdsa_low_r(key.secret, digest)
        if not pubkey.verify(Signature.parse(der), digest):
            raise SigningRefused(f"input {index}: a new signature failed verification")
        self.psbt.add_partial_sig(index, pubkey.sec(), der + bytes([hash_type]))
        self.added.setdefault(index, []).append(bytes([IN_PARTIAL_SIG]) + pubkey.sec())
        return 1

    def _sign_taproot(self, index: int, key: PrivateKey, hash_type: int,
                      merkle_root: bytes = b"") -> int:
        tweaked = key.taproot_tweak(merkle_root)  # BIP-86 (no tree) or the wallet's tree
        output_key = tweaked.get_public_key()
        existing = self.psbt.inputs[index].unknown.get(bytes([IN_TAP_KEY_SIG]))
        if existing is not None:
            existing_type = existing[64] if len(existing) == 65 else sighash.DEFAULT
            if existing_type == hash_type and sighash.schnorr_signature_valid(
                    self.digests, index, output_key.xonly(), existing):
                return 0
            self.replaced.append(index)
        digest = self.digests.taproot(index, hash_type)
        signature = tweaked.schnorr_sign(digest)
        if not output_key.schnorr_verify(signature, digest):
            raise SigningRefused(f"input {index}: a new signature failed verification")
        data = signature.serialize() + (bytes([hash_type]) if hash_type else b"")
        self.psbt.add_taproot_key_sig(index, data)
        self.added.setdefault(index, []).append(bytes([IN_TAP_KEY_SIG]))
        return 1


def _pushes_xonly(script: bytes, xonly: bytes) -> bool:
    """Whether a tapscript pushes this 32-byte key."""
    return b"\x20" + xonly in script


def _check_review_matches(psbt: PSBT, review: Review, root: HDKey,
                          wallets: Sequence[Wallet]) -> None:
    if unsigned_transaction(psbt).txid().hex() != review.unsigned_txid:
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
    """SigningRefused naming the first danger warning whose code is not in allow, or the
    first danger that no override lifts."""
    refusals = review.refusals()
    if refusals:
        raise SigningRefused(f"refusing to sign: {refusals[0].text()} [{refusals[0].code}: "
                             "no override can sign this]")
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
        # embit's own serialisation fills in defaults (nSequence 0 -> 0xffffffff, version
        # 0 -> 2): never sign another transaction than the one reviewed
        _check_review_matches(psbt, review, root, wallets)
    if not any(inp.ours for inp in review.inputs):
        raise SigningRefused("nothing to sign: no input belongs to a wallet on this device")
    signer = _Signer(psbt, root, frozenset(allow))
    signed = []
    count = 0
    for inp in review.inputs:
        added = signer.sign_input(inp)
        if added:
            signed.append(inp.index)
            count += added
    result_psbt = signatures_only(psbt, signer.added) if sigs_only else psbt
    return SignResult(result_psbt, tuple(signed), count, tuple(signer.skipped),
                      tuple(dict.fromkeys(signer.replaced)))  # an input once, however many keys

