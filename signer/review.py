"""What a PSBT does, checked against our wallets: the typed Review the screen and CLI show.

Nothing the PSBT claims is taken on trust. An input or output is ours only when its script
re-derives from a registered wallet (or our own single-sig account) at the derivation path
the PSBT gives; the warnings say what is odd or dangerous, with stable codes (docs/review.md).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from embit import script as embit_script
from embit.bip32 import HDKey
from embit.psbt import PSBT, InputScope
from embit.script import Script
from embit.transaction import Transaction, TransactionOutput

from signer import sighash
from signer.fees import (
    InputSize,
    estimate_vsize,
    miniscript_input,
    multisig_input,
    psbt_input_size,
    single_sig_input,
    tapscript_input,
)
from signer.matcher import Location, WalletMatcher, derivations
from signer.network import Network
from signer.psbt import (
    FINAL_SEQUENCE,
    IN_TAP_KEY_SIG,
    LOCKTIME_THRESHOLD,
    SpentCoin,
    numbered,
    psbt_version,
    spent_coin,
    unsigned_transaction,
)
from signer.scripts import HARDENED, ScriptType, format_path
from signer.settings import Settings
from signer.wallet.model import OutputScripts, Wallet
from signer.wallet.policy import SpendingPath, describe_missing, describe_path

# Every warning code the review can raise (docs/review.md explains each); stable across versions.
WARNING_CODES = frozenset({
    "fake-change", "sighash", "utxo-mismatch", "missing-utxo", "script-mismatch",
    "foreign-input", "mixed-wallets", "unknown-wallet", "high-fee", "network-mismatch",
    "large-index", "no-change", "locktime", "unproven-amount", "dust", "tx-version",
    "missing-previous-tx", "sighash-refused", "invalid-signature", "transfer",
    "no-spending-path",
})
# Dangers no override can sign through: the device cannot prove what would be signed.
REFUSAL_CODES = frozenset({"missing-previous-tx", "utxo-mismatch", "sighash-refused",
                           "no-spending-path"})
STANDARD_TX_VERSIONS = (1, 2, 3)  # 3: TRUC (BIP-431), relayed by Bitcoin Core since 28.0
# Bitcoin Core's dust limits at the default 3 sat/vB dust relay fee, by output type.
DUST_LIMITS = {"p2pkh": 546, "p2sh": 540, "p2wpkh": 294, "p2wsh": 330, "p2tr": 330}
DEFAULT_DUST_LIMIT = 546
STANDARD_PURPOSES = (44, 48, 49, 84, 86)  # paths with a coin type at the second level
ADDRESS_TYPES = ("p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr")


class OutputKind(StrEnum):
    EXTERNAL = "external"
    CHANGE = "change"
    SELF = "self"
    TRANSFER = "transfer"  # to another of our wallets than the one being spent
    OP_RETURN = "op_return"


class Severity(StrEnum):
    INFO = "info"
    CAUTION = "caution"
    DANGER = "danger"


class Part(StrEnum):
    INPUT = "input"
    OUTPUT = "output"


@dataclass(frozen=True)
class Subject:
    """The input or output a warning is about, numbered the way every screen numbers them."""

    part: Part
    index: int  # position in the transaction, from 0 (the JSON's "input"/"output")
    count: int  # how many inputs (or outputs) the transaction has

    @property
    def label(self) -> str:
        """"Output 2/2": the title of that output's own screen."""
        return numbered(self.part.value, self.index, self.count).capitalize()


def _sats(amount: int) -> str:
    return f"{amount:,} sats"


@dataclass(frozen=True)
class Warning:  # shadows the builtin on purpose: the name the API promises
    """One finding. `message` says what is wrong without naming where: `subject` names the
    input or output and `amount` the sats at stake, so every interface numbers them alike."""

    code: str
    severity: Severity
    message: str
    subject: Subject | None = None
    amount: int | None = None  # sats at stake: the value of that input or output

    @property
    def input_index(self) -> int | None:
        return self.subject.index if self.subject and self.subject.part is Part.INPUT else None

    @property
    def output_index(self) -> int | None:
        return self.subject.index if self.subject and self.subject.part is Part.OUTPUT else None

    def where(self, amount: Callable[[int], str] = _sats) -> str:
        """"Output 2/2 · 50,000,000 sats", with amounts formatted by `amount`; "" for a
        warning about the whole transaction."""
        parts = [self.subject.label] if self.subject else []
        if self.amount is not None:
            parts.append(amount(self.amount))
        return " · ".join(parts)

    def text(self, amount: Callable[[int], str] = _sats) -> str:
        """One line for a terminal or an error: where, then what."""
        where = self.where(amount)
        return f"{where}: {self.message}" if where else self.message

    @property
    def overridable(self) -> bool:
        """A danger the user may sign through (with --allow CODE or "Sign anyway")."""
        return self.code not in REFUSAL_CODES

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "severity": self.severity.value,
                                "message": self.message}
        if self.subject is not None:
            data[self.subject.part.value] = self.subject.index
        if self.amount is not None:
            data["amount"] = self.amount
        if self.severity is Severity.DANGER:
            data["overridable"] = self.overridable
        return data


Path = tuple[int, ...]  # a BIP-32 derivation path


@dataclass(frozen=True)
class PathReview:
    """One spending path of a miniscript wallet, as this transaction stands."""

    words: str  # "any 2 of A, B, C, at any time"
    available: bool  # this input's nSequence and the nLockTime allow it
    missing: tuple[str, ...]  # who still has to sign for it, in words
    signing: bool = False  # this device signs for it (available, and it holds a key in it)
    after_signing: tuple[str, ...] = ()  # who still has to sign once this device has

    @property
    def still_to_sign(self) -> str:
        """Who still has to sign, in words: this device first where it signs."""
        if self.signing:
            then = " and ".join(self.after_signing)
            return (f"this device, then {then}" if then
                    else "this device only: its signature completes this path")
        return " and ".join(self.missing) or "nobody: it is complete"

    def to_json(self) -> dict[str, Any]:
        return {"path": self.words, "available": self.available, "missing": list(self.missing),
                "signing": self.signing, "after_signing": list(self.after_signing)}


@dataclass(frozen=True)
class InputReview:
    index: int
    prevout: str  # txid:vout
    amount: int | None  # sats, None when the PSBT does not say
    ours: bool
    wallet: str | None
    sighash: str
    # master fingerprints (hex) of the keys whose signatures verify over this transaction
    signed_by: tuple[str, ...]
    sighash_type: int  # the value to sign with (DEFAULT for taproot when absent, else ALL)
    location: Location | None = field(default=None, compare=False)
    our_path: tuple[int, ...] | None = None  # full path of our key in this input
    # keys whose signatures in the PSBT do not verify (or cannot be checked): they do not count
    unverified: tuple[str, ...] = ()
    # full paths of our keys that signing uses: ours in the wallet, and for a miniscript
    # wallet only those in a spending path this transaction can use
    sign_paths: tuple[tuple[int, ...], ...] = ()
    paths: tuple[PathReview, ...] = ()  # miniscript wallets: each spending path
    sign_leaves: tuple[int, ...] = ()  # taproot trees: the wallet's leaves to sign
    key_path_key: tuple[int, ...] | None = None  # taproot: our internal key's path

    @property
    def signable(self) -> bool:
        """Ours, with something signing may add: a key in a usable path, a leaf, a key path."""
        return self.ours and bool(self.sign_paths or self.key_path_key is not None)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "prevout": self.prevout,
            "amount": self.amount,
            "ours": self.ours,
            "wallet": self.wallet,
            "path": format_path(self.our_path) if self.our_path else None,
            "sighash": self.sighash,
            "signed_by": list(self.signed_by),
            "unverified_signatures": list(self.unverified),
            **({"spending_paths": [path.to_json() for path in self.paths]} if self.paths else {}),
        }


@dataclass(frozen=True)
class Output:
    index: int
    address: str | None
    script: str  # scriptPubKey hex
    amount: int  # sats
    kind: OutputKind
    wallet: str | None
    path: str | None  # our key's path for change, self and transfer

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "address": self.address,
            "script": self.script,
            "amount": self.amount,
            "kind": self.kind.value,
            "wallet": self.wallet,
            "path": self.path,
        }


@dataclass(frozen=True)
class Review:
    network: Network
    version: int  # 0 or 2
    inputs: tuple[InputReview, ...]
    outputs: tuple[Output, ...]
    fee: int | None  # sats; None when an input amount is unknown
    fee_rate: float | None  # sat/vB over the estimated final vsize
    vsize: int
    spend: int  # sats leaving our wallets: external and OP_RETURN outputs
    transfer: int  # sats moving to our other wallets (kind transfer)
    locktime: int
    tx_version: int
    warnings: tuple[Warning, ...]
    # txid of the unsigned transaction reviewed (version, every input and nSequence, every
    # output, locktime): signing refuses a PSBT whose transaction is not this one
    unsigned_txid: str = ""

    def blocking(self) -> list[Warning]:
        """Danger warnings: signing is refused unless each code is explicitly allowed."""
        return [w for w in self.warnings if w.severity is Severity.DANGER]

    def refusals(self) -> list[Warning]:
        """Dangers that no override lifts: signing this PSBT is refused."""
        return [w for w in self.blocking() if not w.overridable]

    def to_json(self) -> dict[str, Any]:
        return {
            "network": self.network.value,
            "version": self.version,
            "inputs": [inp.to_json() for inp in self.inputs],
            "outputs": [out.to_json() for out in self.outputs],
            "fee": self.fee,
            "fee_rate": self.fee_rate,
            "vsize": self.vsize,
            "spend": self.spend,
            "transfer": self.transfer,
            "locktime": self.locktime,
            "tx_version": self.tx_version,
            "warnings": [w.to_json() for w in self.warnings],
        }


# --- the review ------------------------------------------------------------------------------
def _signatures_needed(paths: Sequence[SpendingPath]) -> int:
    return max(sum(group.threshold for group in path.groups) for path in paths)


@dataclass(frozen=True)
class _Plan:
    paths: tuple["PathReview", ...]
    keys: tuple[Path, ...]
    leaves: tuple[int, ...] = ()
    key_path_key: Path | None = None


def _dedupe_reviews(reviews: list["PathReview"]) -> list["PathReview"]:
    """One line per path: a path repeated in several leaves is shown once (usable if any)."""
    merged: dict[str, PathReview] = {}
    for review in reviews:
        seen = merged.get(review.words)
        if seen is None or (review.available and not seen.available):
            merged[review.words] = review
    return list(merged.values())


def taproot_problem(inp: InputScope, scripts: OutputScripts) -> str | None:
    """What a taproot input's PSBT claims that our tree contradicts (internal key, merkle
    root, a leaf script or control block): a coordinator that is confused or hostile."""
    spend = scripts.taproot
    if spend is None:
        return None
    if inp.taproot_internal_key is not None and inp.taproot_internal_key.xonly() != \
            spend.internal_key:
        return "its taproot internal key is not the wallet's internal key at that index"
    if inp.taproot_merkle_root is not None and inp.taproot_merkle_root != spend.merkle_root:
        return "its taproot merkle root is not the wallet's script tree at that index"
    ours = {(leaf.control_block, leaf.script) for leaf in spend.leaves}
    for control_block, value in inp.taproot_scripts.items():
        script = value[:-1] if value else b""  # the last byte is the leaf version
        if (bytes(control_block), script) not in ours:
            return "it names a taproot leaf script or control block that is not one of the " \
                   "wallet's leaves at that index"
    return None


def script_problem(inp: InputScope, script_pubkey: Script, *,
                   check_witness_utxo: bool = True) -> str | None:
    """BIP-174's signer checks: the redeem/witness scripts must hash to what is spent."""
    kind = script_pubkey.script_type()
    redeem, witness = inp.redeem_script, inp.witness_script
    if redeem is not None:
        if kind != "p2sh":
            return "it has a redeem script but does not spend a P2SH output"
        if embit_script.p2sh(redeem).data != script_pubkey.data:
            return "its redeem script does not match the output it spends"
    program = redeem if redeem is not None else script_pubkey
    if witness is not None and embit_script.p2wsh(witness).data != program.data:
        return "its witness script does not match the output it spends"
    segwit = program.script_type() in ("p2wpkh", "p2wsh", "p2tr")
    if check_witness_utxo and inp.witness_utxo is not None and not segwit and (
            kind != "p2sh" or redeem is not None):
        return "it gives a witness UTXO for an output that is not segwit"
    return None


class _ReviewBuilder:
    def __init__(self, psbt: PSBT, root: HDKey, wallets: Sequence[Wallet], settings: Settings,
                 network: Network):
        self.psbt = psbt
        self.settings = settings
        self.network = network
        self.matcher = WalletMatcher(root, wallets, network)
        self.warnings: list[Warning] = []
        self.tx: Transaction = unsigned_transaction(psbt)
        self.coins: list[SpentCoin] = [spent_coin(inp) for inp in psbt.inputs]
        self.digests = sighash.Digests(self.tx, [coin.output for coin in self.coins])
        # input -> (key, tapscript leaf hash or None) of each signature that verifies
        self.valid_signers: dict[int, set[tuple[bytes, bytes | None]]] = {}
        self.other_network = False  # a network-mismatch danger: addresses are not shown

    def warn(self, code: str, severity: Severity, message: str, *, input_index: int | None = None,
             output_index: int | None = None, amount: int | None = None) -> None:
        """`message` never names the input or output: the index given here does, as the
        screens number them ("Input 1/3")."""
        subject = None
        if input_index is not None:
            subject = Subject(Part.INPUT, input_index, len(self.psbt.inputs))
        elif output_index is not None:
            subject = Subject(Part.OUTPUT, output_index, len(self.tx.vout))
        self.warnings.append(Warning(code, severity, message, subject, amount))

    def review(self) -> Review:
        self._check_network()
        # once, not per output: a hostile PSBT's outputs can add thousands of warnings
        self.other_network = any(w.code == "network-mismatch" for w in self.warnings)
        inputs = [self._input(i, inp) for i, inp in enumerate(self.psbt.inputs)]
        spent = [inp.location.wallet for inp in inputs if inp.ours and inp.location]
        outputs = [self._output(i, out, spent) for i, out in enumerate(self.tx.vout)]
        sizes = [self._input_size(inp, review) for inp, review in zip(self.psbt.inputs, inputs,
                                                                       strict=True)]
        vsize = estimate_vsize(self.tx, sizes)
        amounts = [inp.amount for inp in inputs]
        fee = None
        if all(amount is not None for amount in amounts):
            fee = sum(a for a in amounts if a is not None) - sum(o.amount for o in outputs)
        spend = sum(o.amount for o in outputs if o.kind in (OutputKind.EXTERNAL,
                                                             OutputKind.OP_RETURN))
        transfer = sum(o.amount for o in outputs if o.kind is OutputKind.TRANSFER)
        self._check_totals(inputs, outputs, fee, spend + transfer)
        self._check_locktime()
        self._check_version()
        return Review(
            network=self.network,
            version=psbt_version(self.psbt),
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            fee=fee,
            fee_rate=round(fee / vsize, 2) if fee is not None and vsize else None,
            vsize=vsize,
            spend=spend,
            transfer=transfer,
            locktime=self.tx.locktime,
            tx_version=self.tx.version,
            unsigned_txid=self.tx.txid().hex(),
            warnings=tuple(self.warnings),
        )

    # --- inputs ---------------------------------------------------------------------------
    def _input(self, index: int, inp: InputScope) -> InputReview:
        prevout = f"{inp.txid.hex()}:{inp.vout}"
        coin = self.coins[index]
        utxo = coin.output
        if utxo is not None:
            algo = sighash.algorithm(utxo.script_pubkey, inp.redeem_script)
        else:
            algo = sighash.Algorithm.SEGWIT_V0  # unknown: only decides the default type
        sighash_type = (inp.sighash_type if inp.sighash_type is not None
                        else sighash.default_type(algo))
        common = dict(index=index, prevout=prevout, sighash=sighash.sighash_name(sighash_type),
                      sighash_type=sighash_type)
        if coin.problem:
            self.warn("utxo-mismatch", Severity.DANGER, f"{coin.problem}: the PSBT contradicts "
                      "itself, so it is refused", input_index=index,
                      amount=utxo.value if utxo is not None else None)
        if utxo is None:
            if not coin.problem:
                self.warn("missing-utxo", Severity.DANGER, "it does not say which amount it "
                          "spends: the fee cannot be checked", input_index=index)
            return InputReview(amount=None, ours=False, wallet=None,
                               **self._signers(index, inp, algo, None), **common)
        # A witness UTXO that disagrees is already refused; the previous transaction is the
        # truth, so the input is still matched against our wallets from it.
        problem = script_problem(inp, utxo.script_pubkey, check_witness_utxo=not coin.problem)
        if problem:
            self.warn("script-mismatch", Severity.DANGER, problem, input_index=index,
                      amount=utxo.value)
            return InputReview(amount=utxo.value, ours=False, wallet=None,
                               **self._signers(index, inp, algo, None), **common)
        location, _ = self.matcher.locate(derivations(inp), utxo.script_pubkey)
        our_path = self.matcher.our_key_path(location) if location else None
        if location is None or our_path is None:
            self._foreign_input(index, inp, utxo.value)
            code = sighash.script_code(utxo.script_pubkey, inp.redeem_script, inp.witness_script)
            return InputReview(amount=utxo.value, ours=False, wallet=None,
                               **self._signers(index, inp, algo, code), **common)
        scripts = location.scripts
        # Ours: the wallet's own scripts decide the algorithm and what a signature commits to.
        algo = sighash.algorithm(scripts.script_pubkey, scripts.redeem_script)
        code = sighash.script_code(scripts.script_pubkey, scripts.redeem_script,
                                   scripts.witness_script)
        self._check_amount_proof(index, coin, algo)
        self._check_sighash(index, sighash_type, algo, utxo.value)
        signers = self._signers(index, inp, algo, code, location)
        if location.index > self.settings.large_index_warning:
            self.warn("large-index", Severity.CAUTION, "it comes from address index "
                      f"{location.index:,}, far beyond the usual gap limit",
                      input_index=index, amount=utxo.value)
        problem = taproot_problem(inp, location.scripts)
        plan = self._spending_paths(index, location, utxo.value)
        if problem:
            self.warn("script-mismatch", Severity.DANGER, problem, input_index=index,
                      amount=utxo.value)
            plan = _Plan(plan.paths, ())  # the PSBT contradicts the tree: nothing to sign
        return InputReview(amount=utxo.value, ours=True, wallet=location.wallet.name,
                           location=location, our_path=our_path, sign_paths=plan.keys,
                           paths=plan.paths, sign_leaves=plan.leaves,
                           key_path_key=plan.key_path_key, **signers, **common)

    def _spending_paths(self, index: int, location: Location, amount: int) -> "_Plan":
        """For a miniscript or taproot-tree wallet: which spending paths this transaction can
        use (its nSequence and nLockTime), who still has to sign, and which of our keys (and
        taproot leaves) to sign with: only those in a usable path. Other wallets: our key."""
        wallet = location.wallet
        ours = set(self.matcher.our_key_indexes(location))
        full_path = [key.full_path(location.change, location.index) for key in wallet.keys]
        template = wallet.template
        if template is None:
            return _Plan((), tuple(full_path[position] for position in sorted(ours)[:1]))
        pubkeys = wallet.pubkeys(location.change, location.index)
        valid = self.valid_signers.get(index, set())
        spend = location.scripts.taproot
        names = wallet.key_names(self.matcher.fingerprint)
        sequence = self.tx.vin[index].sequence

        def signed_for(leaf: bytes | None) -> frozenset[int]:
            """Keys whose signature verifies (for one tapscript leaf, or ECDSA/key path)."""
            return frozenset(position for position, pub in enumerate(pubkeys)
                             if (pub.sec(), leaf) in valid or (pub.xonly(), leaf) in valid)

        reviews: list[PathReview] = []
        usable: set[int] = set()
        leaves: list[int] = []
        key_path_key = None
        if spend is not None and spend.key_path:
            internal = template.internal_key
            assert internal is not None
            (path,) = [p for p in template.paths if p.via == "key path"]
            done = signed_for(None) | frozenset(
                [internal] if (spend.output_key, None) in valid else [])
            reviews.append(self._path_review(path, names, True, done, ours))
            if internal in ours:
                usable.add(internal)
                key_path_key = full_path[internal]
        for position, paths in enumerate(template.leaf_paths):
            leaf = spend.leaves[position].hash if spend is not None else None
            signed = signed_for(leaf)
            for path in paths:
                available = path.available(sequence, self.tx.locktime, self.tx.version)
                reviews.append(self._path_review(path, names, available, signed, ours))
                if available and path.keys & ours:
                    usable |= path.keys & ours
                    if spend is not None and position not in leaves:
                        leaves.append(position)
        if not usable:
            self.warn("no-spending-path", Severity.DANGER, "none of its spending paths that "
                      "include this device's keys can be used with this transaction's "
                      "nSequence and nLockTime: it will not be signed", input_index=index,
                      amount=amount)
        return _Plan(tuple(_dedupe_reviews(reviews)),
                     tuple(full_path[position] for position in sorted(usable)),
                     tuple(leaves), key_path_key)

    @staticmethod
    def _path_review(path: SpendingPath, names: Sequence[str], available: bool,
                     signed: frozenset[int], ours: set[int]) -> PathReview:
        """The path as this transaction stands: who still has to sign, before and after
        this device does (it signs only in a path the transaction can use)."""
        signing = available and bool(path.keys & ours)
        after = signed | (path.keys & ours) if signing else signed
        return PathReview(describe_path(path, names), available,
                          tuple(describe_missing(g, signed, names) for g in path.missing(signed)),
                          signing,
                          tuple(describe_missing(g, after, names) for g in path.missing(after)))

    def _check_amount_proof(self, index: int, coin: SpentCoin, algo: sighash.Algorithm) -> None:
        amount = coin.output.value if coin.output is not None else None
        if coin.proven or algo is sighash.Algorithm.TAPROOT:
            return  # taproot signatures commit to every input's amount and script
        if algo is sighash.Algorithm.LEGACY:
            # A legacy signature commits to no amount: whatever the PSBT states, the fee
            # could be anything (BIP-174's signer rule; Coldcard and Trezor refuse too).
            self.warn("missing-previous-tx", Severity.DANGER, "it is not segwit and comes "
                      "without its previous transaction: its amount, and so the fee, cannot be "
                      "proven, and a legacy signature does not commit to it", input_index=index,
                      amount=amount)
            return
        # BIP-143 signs the amount the PSBT states; a coordinator that states different
        # amounts in two signing sessions can combine the signatures into a transaction
        # whose real fee is higher than either review showed.
        self.warn("unproven-amount", Severity.CAUTION, "it comes without its previous "
                  "transaction, so its amount (and the fee) cannot be proven", input_index=index,
                  amount=amount)

    def _check_sighash(self, index: int, value: int, algo: sighash.Algorithm,
                       amount: int) -> None:
        # Only our own inputs matter: our SIGHASH_ALL signatures commit to everything,
        # whatever another party's input allows.
        verdict = sighash.judge(value, algo, index, len(self.tx.vout))
        if verdict.refused:
            self.warn("sighash-refused", Severity.DANGER, f"it {verdict.problem}",
                      input_index=index, amount=amount)
        elif not verdict.safe:
            self.warn("sighash", Severity.DANGER, f"it {verdict.problem}", input_index=index,
                      amount=amount)

    def _foreign_input(self, index: int, inp: InputScope, amount: int) -> None:
        if any(self.matcher.is_our_key(d) for d in derivations(inp)):
            self.warn("unknown-wallet", Severity.DANGER, "it uses our key in a wallet that is "
                      "not registered on this device (or whose script does not match it): it "
                      "will not be signed", input_index=index, amount=amount)
        else:
            self.warn("foreign-input", Severity.CAUTION, "it is not from one of our wallets: "
                      "this device cannot sign it", input_index=index, amount=amount)

    def _signers(self, index: int, inp: InputScope, algo: sighash.Algorithm,
                 code: bytes | None, ours: Location | None = None) -> dict[str, tuple[str, ...]]:
        """signed_by and unverified: a signature counts only when it verifies over this very
        transaction. On our own inputs a signature that does not is a caution (ours is
        replaced when signing)."""
        known = {d.pubkey: d.fingerprint.hex() for d in derivations(inp)}
        signed_by, unverified = [], []
        valid_keys = self.valid_signers.setdefault(index, set())
        our_keys: set[bytes] | None = None  # derived once, at the first signature that fails
        for pubkey, leaf, valid in self._signatures(index, inp, algo, code):
            label = known.get(pubkey, pubkey.hex())
            (signed_by if valid else unverified).append(label)
            if valid:
                valid_keys.add((pubkey, leaf))
            if ours is None or valid:
                continue
            if our_keys is None:  # our keys here (several in a miniscript wallet)
                our_keys = {form for key in ours.wallet.keys_for_fingerprint(
                                self.matcher.fingerprint)
                            for pub in (key.derive(ours.change, ours.index),)
                            for form in (pub.sec(), pub.xonly())}
            mine = pubkey in our_keys
            whose = "our key" if mine else f"key {label}"
            then = "signing replaces it with ours" if mine else "it does not count as signed"
            self.warn("invalid-signature", Severity.CAUTION, f"it carries a signature under "
                      f"{whose} that does not verify for this transaction: {then}",
                      input_index=index)
        return {"signed_by": tuple(signed_by), "unverified": tuple(unverified)}

    def _signatures(self, index: int, inp: InputScope, algo: sighash.Algorithm,
                    code: bytes | None) -> list[tuple[bytes, bytes | None, bool]]:
        """Each signature in the input: (its public key, SEC or x-only; the tapscript leaf
        hash it signs for, None for ECDSA and key path; whether it verifies)."""
        utxo = self.coins[index].output
        amount = utxo.value if utxo is not None else 0
        found: list[tuple[bytes, bytes | None, bool]] = [
            (pub.sec(), None, sighash.ecdsa_signature_valid(
                self.digests, index, algo=algo, code=code, amount=amount, pubkey=pub.sec(),
                signature=signature))
                 for pub, signature in inp.partial_sigs.items()]
        found += [(pub.xonly(), leaf, sighash.schnorr_signature_valid(
                      self.digests, index, pub.xonly(), signature, leaf))
                  for (pub, leaf), signature in inp.taproot_sigs.items()]
        key_path = inp.unknown.get(bytes([IN_TAP_KEY_SIG]))
        if key_path is not None:
            taproot = utxo is not None and algo is sighash.Algorithm.TAPROOT
            output_key = utxo.script_pubkey.data[2:34] if taproot and utxo else b""
            valid = taproot and sighash.schnorr_signature_valid(self.digests, index, output_key,
                                                                key_path)
            # the internal key's owner signed, when it really tweaks to the output key
            internal = inp.taproot_internal_key
            signer = output_key
            if internal is not None and taproot:
                merkle_root = inp.taproot_merkle_root or b""
                if internal.taproot_tweak(merkle_root).xonly() == output_key:
                    signer = internal.xonly()
            found.append((signer, None, valid))
        return found

    def _input_size(self, inp: InputScope, review: InputReview) -> InputSize:
        location = review.location
        if location is None:
            return psbt_input_size(inp, inp.utxo.script_pubkey if inp.utxo else None)
        wallet = location.wallet
        spend = location.scripts.taproot
        if wallet.template is not None and spend is not None:
            if review.key_path_key is not None:
                return single_sig_input(ScriptType.P2TR, review.sighash_type != 0)
            return max((tapscript_input(len(leaf.script), len(leaf.control_block),
                                        _signatures_needed(paths), len(wallet.keys))
                        for leaf, paths in zip(spend.leaves, wallet.template.leaf_paths,
                                               strict=True)), key=lambda size: size.witness)
        if wallet.template is not None:
            script = location.scripts.witness_script
            assert script is not None
            return miniscript_input(len(script.data), _signatures_needed(wallet.template.paths),
                                    len(wallet.keys))
        if wallet.is_multisig:
            multisig = location.scripts.witness_script or location.scripts.redeem_script
            assert multisig is not None  # a multisig wallet always has its script
            present = [len(sig) for sig in inp.partial_sigs.values()]
            return multisig_input(wallet.script_type, wallet.threshold, multisig.data, present)
        return single_sig_input(wallet.script_type, sighash_byte=review.sighash_type != 0)

    # --- outputs --------------------------------------------------------------------------
    def _output(self, index: int, vout: TransactionOutput, spent: list[Wallet]) -> Output:
        script = vout.script_pubkey
        common = dict(index=index, script=script.data.hex(), amount=vout.value)
        if script.data[:1] == b"\x6a":
            return Output(address=None, kind=OutputKind.OP_RETURN, wallet=None, path=None,
                          **common)
        # A PSBT of another network: its addresses in this network's encoding would be a lie
        # (a testnet change drawn as bc1…), so none is given; the script still is.
        address = None if self.other_network else _address(script, self.network)
        dust_limit = DUST_LIMITS.get(script.script_type() or "", DEFAULT_DUST_LIMIT)
        if vout.value < dust_limit:
            self.warn("dust", Severity.CAUTION, f"it is below the dust limit of {dust_limit:,} "
                      "sats: nodes will not relay the transaction", output_index=index,
                      amount=vout.value)
        location, claimed = self.matcher.locate(derivations(self.psbt.outputs[index]), script)
        if location is None:
            if claimed:
                self.warn("fake-change", Severity.DANGER, "it claims to be our change (it lists "
                          "our key), but its script is not our wallet's: it pays someone else",
                          output_index=index, amount=vout.value)
            return Output(address=address, kind=OutputKind.EXTERNAL, wallet=None, path=None,
                          **common)
        wallet = location.wallet
        if not spent or any(wallet is other for other in spent):
            # (with no input of ours nothing is signed, and there is no wallet being spent)
            kind = OutputKind.CHANGE if location.change else OutputKind.SELF
        else:
            # Ours, but not the wallet whose coins are spent: calling it change would hide
            # that the coins leave this wallet (to another policy, or to a single key).
            kind = OutputKind.TRANSFER
            self.warn("transfer", Severity.CAUTION, f"it goes to your other wallet "
                      f"{wallet.name!r}, not back to the wallet being spent",
                      output_index=index, amount=vout.value)
        if location.index > self.settings.large_index_warning:
            self.warn("large-index", Severity.DANGER, f"it goes to address index "
                      f"{location.index:,}: a wallet scanning with a normal gap limit would "
                      "not find it", output_index=index, amount=vout.value)
        our_path = self.matcher.our_key_path(location)
        return Output(address=address, kind=kind, wallet=wallet.name,
                      path=format_path(our_path) if our_path else None, **common)

    # --- whole-transaction checks ---------------------------------------------------------
    def _check_totals(self, inputs: list[InputReview], outputs: list[Output], fee: int | None,
                      leaving: int) -> None:
        """leaving: sats that leave the wallet being spent (payments and transfers)."""
        ours = [inp for inp in inputs if inp.ours]
        wallets = sorted({inp.wallet for inp in ours if inp.wallet})
        if len(wallets) > 1:
            self.warn("mixed-wallets", Severity.CAUTION,
                      f"the inputs come from {len(wallets)} wallets: {', '.join(wallets)}")
        if ours and leaving and not any(o.kind is OutputKind.CHANGE for o in outputs):
            self.warn("no-change", Severity.INFO, "no change comes back to us: everything not "
                      "sent goes to the fee")
        if fee is None:
            return
        if fee < 0:
            self.warn("high-fee", Severity.DANGER, f"the outputs spend {-fee:,} sats more than "
                      "the inputs hold: the transaction is invalid")
            return
        base = leaving or sum(o.amount for o in outputs)
        share = 100.0 * fee / base if base else (float("inf") if fee else 0.0)
        if fee > self.settings.high_fee_sats or share > self.settings.high_fee_percent:
            severity = Severity.DANGER if fee >= base else Severity.CAUTION
            self.warn("high-fee", severity, f"the fee is {fee:,} sats, {share:.1f}% of the "
                      f"{base:,} sats sent")

    def _check_locktime(self) -> None:
        locktime = self.tx.locktime
        if not locktime or all(vin.sequence == FINAL_SEQUENCE for vin in self.tx.vin):
            return
        if locktime < LOCKTIME_THRESHOLD:
            when = f"block {locktime:,}"
        else:
            when = datetime.fromtimestamp(locktime, UTC).strftime("%Y-%m-%d %H:%M UTC (median "
                                                                  "block time)")
        self.warn("locktime", Severity.INFO, f"the transaction cannot be mined until after {when}")

    def _check_version(self) -> None:
        if self.tx.version not in STANDARD_TX_VERSIONS:
            self.warn("tx-version", Severity.INFO, f"the transaction version is "
                      f"{self.tx.version}: nodes relay only versions 1, 2 and 3")

    def _check_network(self) -> None:
        params = self.network.params
        versions = {value for key, value in params.items() if key.lower().endswith("pub")}
        for xpub in self.psbt.xpubs:
            if xpub.version not in versions:
                self.warn("network-mismatch", Severity.DANGER, "the PSBT holds an extended key "
                          f"for another network than {self.network.value}")
                return
        for wallet in self.matcher.wallets:
            if wallet.network is not self.network:
                self.warn("network-mismatch", Severity.DANGER, f"wallet {wallet.name!r} is for "
                          f"{wallet.network.value}, the device is set to {self.network.value}")
                return
        for scope in (*self.psbt.inputs, *self.psbt.outputs):
            for derivation in derivations(scope):
                path = derivation.path
                if (len(path) >= 2 and derivation.fingerprint == self.matcher.fingerprint
                        and path[0] - HARDENED in STANDARD_PURPOSES
                        and path[1] - HARDENED != self.network.coin_type):
                    self.warn("network-mismatch", Severity.DANGER, "the PSBT derives our key "
                              f"with coin type {path[1] - HARDENED}, not the "
                              f"{self.network.value} network's {self.network.coin_type}")
                    return


def _address(script: Script, network: Network) -> str | None:
    if script.script_type() not in ADDRESS_TYPES:
        return None  # bare multisig, non-standard scripts: shown by their hex
    return script.address(network.params)


def review_psbt(psbt: PSBT, *, root: HDKey, wallets: Sequence[Wallet], settings: Settings,
                network: Network) -> Review:
    """Review psbt for the seed `root` and its registered wallets; never modifies psbt."""
    return _ReviewBuilder(psbt, root, wallets, settings, network).review()
