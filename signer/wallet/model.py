"""The wallet model: cosigner keys and a (multisig or single-sig) wallet built from them.

A Wallet is always valid once constructed: __post_init__ enforces the structural rules
(script type, threshold, key count, duplicates, one network), so every consumer (review,
signing, address checks) can rely on them. Whether the wallet holds *our* key is a separate
check (signer.wallet.ownership) because it needs the seed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from embit import script as embit_script
from embit.bip32 import HDKey
from embit.descriptor.checksum import checksum
from embit.ec import PublicKey
from embit.script import Script

from signer.errors import InvalidWallet
from signer.network import Network
from signer.scripts import HARDENED, ScriptType, format_path
from signer.wallet.derivation import ChainKey
from signer.wallet.policy import describe_path
from signer.wallet.template import NUMS_KEY, TaprootSpend, Template

# A sh() redeem script may be at most 520 bytes: 15 compressed keys (15 * 34 + 3 = 513).
# wsh() would allow more, but OP_1..OP_16 encodes N only up to 16 and the hardware cosigners
# (Coldcard's MAX_SIGNERS, which Passport inherits) stop at 15: one cap keeps wallets portable.
MAX_COSIGNERS = 15

SINGLE_SIG_TYPES = (ScriptType.P2WPKH, ScriptType.P2SH_P2WPKH, ScriptType.P2PKH, ScriptType.P2TR)
MULTISIG_TYPES = (ScriptType.P2WSH, ScriptType.P2SH_P2WSH, ScriptType.P2SH)
NO_KEY_PATH = "no key path: the internal key is unspendable (BIP-341's H)"
# The descriptor functions around each script type's key part, outermost first (BIP-381..386):
# the one table for writing and reading descriptor text and UR script tags.
SCRIPT_FUNCTIONS: dict[ScriptType, tuple[str, ...]] = {
    ScriptType.P2WSH: ("wsh",),
    ScriptType.P2SH_P2WSH: ("sh", "wsh"),
    ScriptType.P2SH: ("sh",),
    ScriptType.P2WPKH: ("wpkh",),
    ScriptType.P2SH_P2WPKH: ("sh", "wpkh"),
    ScriptType.P2PKH: ("pkh",),
    ScriptType.P2TR: ("tr",),
}


def wrap_descriptor(script_type: ScriptType, inner: str) -> str:
    """`inner` inside the script type's functions: wsh(INNER), sh(wsh(INNER)), ..."""
    functions = SCRIPT_FUNCTIONS[script_type]
    return "".join(f"{name}(" for name in functions) + inner + ")" * len(functions)


@dataclass(frozen=True)
class CosignerKey:
    """One cosigner: its master fingerprint, the origin path, and the public account key."""

    fingerprint: bytes
    origin_path: tuple[int, ...]
    xpub: HDKey
    # The receive and change steps after the xpub: (0, 1), or e.g. (2, 3) where a miniscript
    # wallet uses one xpub in two spending paths (Liana).
    chains: tuple[int, int] = (0, 1)

    def __post_init__(self) -> None:
        if len(self.fingerprint) != 4:
            raise InvalidWallet("a key fingerprint must be 4 bytes (8 hex digits)")
        if self.xpub.is_private:
            raise InvalidWallet("a wallet must hold public keys only, found a private key")

    @property
    def fingerprint_hex(self) -> str:
        return self.fingerprint.hex()

    @property
    def has_origin(self) -> bool:
        """False for a key given without [fingerprint/path] (e.g. a key typed into Electrum):
        it stands for itself, with its own fingerprint and an empty path, as Electrum and
        Bitcoin Core name such keys in PSBT derivations."""
        return bool(self.origin_path) or self.xpub.depth == 0

    @property
    def is_unspendable(self) -> bool:
        """An xpub whose key is BIP-341's H: no one can sign for it or its children."""
        return self.xpub.key.xonly() == NUMS_KEY

    @cached_property
    def _chain_keys(self) -> tuple[ChainKey, ChainKey]:
        # The receive and change chain keys once, so each address is one cheap derivation.
        receive, change = self.chains
        return ChainKey.of(self.xpub.child(receive)), ChainKey.of(self.xpub.child(change))

    def derive(self, change: bool, index: int) -> PublicKey:
        """The public key at xpub/<0 or 1>/index."""
        if not 0 <= index < HARDENED:
            raise InvalidWallet(f"address index {index} is out of range")
        return self._chain_keys[1 if change else 0].public_child(index)

    def full_path(self, change: bool, index: int) -> tuple[int, ...]:
        return (*self.origin_path, self.chains[int(change)], index)

    def descriptor_key(self, multipath: bool = True) -> str:
        """`[fp/48h/1h/0h/2h]xpub.../<0;1>/*`, or without the derivation suffix if not multipath."""
        origin = format_path(self.origin_path).replace("m", self.fingerprint_hex, 1)
        text = self.xpub.to_base58()
        if self.has_origin:
            text = f"[{origin}]{text}"
        return f"{text}/<{self.chains[0]};{self.chains[1]}>/*" if multipath else text

    def chain_key(self, change: bool) -> str:
        """The key on one chain: `[fp/path]xpub.../1/*`."""
        return f"{self.descriptor_key(multipath=False)}/{self.chains[int(change)]}/*"


@dataclass(frozen=True)
class Wallet:
    name: str
    script_type: ScriptType
    threshold: int  # 1 for single-sig
    keys: tuple[CosignerKey, ...]
    sorted_keys: bool  # sortedmulti vs multi (meaningless for single-sig)
    network: Network
    # A miniscript wallet: its descriptor with @i for keys[i] (threshold is then 0).
    template: Template | None = None

    def __post_init__(self) -> None:
        _check_structure(self)

    # --- shape -------------------------------------------------------------------------
    @property
    def is_multisig(self) -> bool:
        """A plain multi()/sortedmulti() wallet (not a miniscript policy)."""
        return self.template is None and self.script_type.is_multisig

    @property
    def is_miniscript(self) -> bool:
        return self.template is not None

    @property
    def policy(self) -> str:
        if self.template is not None:
            count = len(self.template.paths)
            paths = f"{count} spending path{'s' if count != 1 else ''}"
            if self.template.is_taproot:
                return f"taproot, {paths}" + ("" if self.has_key_path else ", no key path")
            return f"miniscript, {paths}"
        if not self.is_multisig:
            return "single signature"
        return f"{self.threshold} of {len(self.keys)}"

    def key_names(self, our_fingerprint: bytes) -> list[str]:
        """Each key as a person compares it: fingerprint, with ours marked; a seed with
        several keys here (Liana's primary and recovery key) names each by its number in the
        wallet's key list, as the device lists them ("73c5da0a (this device, key 4)")."""
        names = []
        for number, key in enumerate(self.keys, start=1):
            marks = ["this device"] if key.fingerprint == our_fingerprint else []
            if sum(other.fingerprint == key.fingerprint for other in self.keys) > 1:
                marks.append(f"key {number}")
            names.append(key.fingerprint_hex + (f" ({', '.join(marks)})" if marks else ""))
        return names

    @property
    def has_key_path(self) -> bool:
        """A taproot tree whose internal key someone holds (not BIP-341's H)."""
        template = self.template
        if template is None or not template.is_taproot or template.internal_key is None:
            return False
        return not self.keys[template.internal_key].is_unspendable

    def path_words(self, our_fingerprint: bytes) -> list[str]:
        """Each spending path of a miniscript or taproot-tree wallet in words."""
        assert self.template is not None
        names = self.key_names(our_fingerprint)
        return [describe_path(path, names) for path in self.template.paths]

    def policy_words(self, our_fingerprint: bytes) -> list[str]:
        """Each spending path in words, and "no key path" for a tree without one; one line
        for a plain multisig."""
        if self.template is None:
            return [f"{self.policy}: " + ", ".join(self.key_names(our_fingerprint))]
        words = self.path_words(our_fingerprint)
        if self.template.is_taproot and not self.has_key_path:
            words.append(NO_KEY_PATH)
        return words

    def same_policy(self, other: "Wallet") -> bool:
        """Same script, threshold and keys (in any order for sortedmulti); names aside."""
        return self._policy_identity() == other._policy_identity()

    def _policy_identity(self) -> tuple:
        keys = [key.descriptor_key() for key in self.keys]
        if self.template is not None:
            return (self.template.text, self.network, tuple(keys))
        if self.sorted_keys:
            keys.sort()
        return (self.script_type, self.threshold, self.sorted_keys, self.network, tuple(keys))

    def key_for_fingerprint(self, fingerprint: bytes) -> CosignerKey | None:
        return next((key for key in self.keys if key.fingerprint == fingerprint), None)

    def keys_for_fingerprint(self, fingerprint: bytes) -> tuple[CosignerKey, ...]:
        """Every key of one seed: several in a miniscript wallet with one key per path."""
        return tuple(key for key in self.keys if key.fingerprint == fingerprint)

    def locate(self, fingerprint: bytes, path: tuple[int, ...]) -> tuple[bool, int] | None:
        """A PSBT derivation -> (change, index) if it is a key's origin + (chain, i)."""
        for key in self.keys_for_fingerprint(fingerprint):
            if len(path) != len(key.origin_path) + 2:
                continue
            if tuple(path[: len(key.origin_path)]) != key.origin_path:
                continue
            chain, index = path[-2], path[-1]
            if chain in key.chains and index < HARDENED:
                return chain == key.chains[1], index
        return None

    # --- descriptor --------------------------------------------------------------------
    def descriptor(self, change: bool | None = None) -> str:
        """Canonical descriptor with checksum: `/<0;1>/*` multipath, or one chain if asked."""
        if self.template is not None:
            texts = [key.descriptor_key() if change is None else key.chain_key(change)
                     for key in self.keys]
            text = self.template.fill(texts)
            return f"{text}#{checksum(text)}"
        suffix = "/<0;1>/*" if change is None else f"/{int(change)}/*"
        keys = [key.descriptor_key(multipath=False) + suffix for key in self.keys]
        if self.is_multisig:
            function = "sortedmulti" if self.sorted_keys else "multi"
            inner = f"{function}({self.threshold},{','.join(keys)})"
        else:
            inner = keys[0]
        text = wrap_descriptor(self.script_type, inner)
        return f"{text}#{checksum(text)}"

    # --- scripts and addresses ---------------------------------------------------------
    def pubkeys(self, change: bool, index: int) -> list[PublicKey]:
        """The cosigners' keys at this address, in script order (sorted for sortedmulti)."""
        keys = [key.derive(change, index) for key in self.keys]
        if self.is_multisig and self.sorted_keys:
            keys.sort(key=lambda pub: pub.sec())
        return keys

    def output(self, change: bool, index: int) -> "OutputScripts":
        if self.template is not None:
            return template_output(self.template, self.pubkeys(change, index),
                                   frozenset(i for i, k in enumerate(self.keys)
                                             if k.is_unspendable))
        return build_output(self.script_type, self.threshold, self.pubkeys(change, index))

    def script_pubkey(self, change: bool, index: int) -> Script:
        return self.output(change, index).script_pubkey

    def witness_script(self, change: bool, index: int) -> Script | None:
        """The multisig script for wsh and sh(wsh); None for the other types."""
        return self.output(change, index).witness_script

    def redeem_script(self, change: bool, index: int) -> Script | None:
        """The script that sh() commits to; None when there is no sh() wrapper."""
        return self.output(change, index).redeem_script

    def address(self, change: bool, index: int) -> str:
        return self.script_pubkey(change, index).address(self.network.params)

    # --- construction ------------------------------------------------------------------
    @classmethod
    def single_sig(
        cls, root: HDKey, script_type: ScriptType, network: Network, account: int = 0
    ) -> "Wallet":
        """Our own single-signature wallet at the standard BIP-44/49/84/86 account path."""
        if script_type not in SINGLE_SIG_TYPES:
            raise InvalidWallet(f"{script_type} is not a single-signature script type we support")
        origin = script_type.account_path(network, account)
        account_key = root.derive(list(origin)).to_public(version=network.params["xpub"])
        key = CosignerKey(root.my_fingerprint, origin, account_key)
        name = f"{script_type.value} account {account}"
        return cls(name, script_type, 1, (key,), True, network)


@dataclass(frozen=True)
class OutputScripts:
    script_pubkey: Script
    redeem_script: Script | None  # what sh() commits to
    witness_script: Script | None  # what wsh() commits to
    taproot: TaprootSpend | None = None  # a taproot tree: internal key, leaves, proofs


def template_output(template: Template, pubkeys: Sequence[PublicKey],
                    unspendable: frozenset[int] = frozenset()) -> OutputScripts:
    """The output of a miniscript or taproot-tree template at one address."""
    if template.is_taproot:
        spend = template.taproot(pubkeys, unspendable)
        return OutputScripts(Script(b"\x51\x20" + spend.output_key), None, None, spend)
    script = template.witness_script(pubkeys)
    return OutputScripts(embit_script.p2wsh(script), None, script)


def build_output(
    script_type: ScriptType, threshold: int, pubkeys: Sequence[PublicKey]
) -> OutputScripts:
    """The output scripts of one address; pubkeys are in script order already."""
    if script_type.is_multisig:
        multisig = embit_script.multisig(threshold, list(pubkeys))
        if script_type is ScriptType.P2SH:
            return OutputScripts(embit_script.p2sh(multisig), multisig, None)
        if script_type is ScriptType.P2WSH:
            return OutputScripts(embit_script.p2wsh(multisig), None, multisig)
        nested = embit_script.p2wsh(multisig)
        return OutputScripts(embit_script.p2sh(nested), nested, multisig)
    (pubkey,) = pubkeys
    if script_type is ScriptType.P2WPKH:
        return OutputScripts(embit_script.p2wpkh(pubkey), None, None)
    if script_type is ScriptType.P2SH_P2WPKH:
        nested = embit_script.p2wpkh(pubkey)
        return OutputScripts(embit_script.p2sh(nested), nested, None)
    if script_type is ScriptType.P2PKH:
        return OutputScripts(embit_script.p2pkh(pubkey), None, None)
    if script_type is ScriptType.P2TR:
        # BIP-86: key path only, the internal key tweaked with an empty script tree.
        return OutputScripts(embit_script.p2tr(pubkey), None, None)
    raise InvalidWallet(f"{script_type} outputs are not supported")


def _check_structure(wallet: Wallet) -> None:
    count = len(wallet.keys)
    if not wallet.name.strip():
        raise InvalidWallet("a wallet needs a name")
    for key in wallet.keys:
        if len(set(key.chains)) != 2 or max(key.chains) >= HARDENED:
            raise InvalidWallet(f"key {key.fingerprint_hex}: its receive and change steps must "
                                "be two different unhardened steps")
    if wallet.template is not None:
        _check_template(wallet)
        return
    if any(key.chains != (0, 1) for key in wallet.keys):
        raise InvalidWallet("a multisig or single-sig wallet's keys use /<0;1>/*")
    if wallet.script_type in SINGLE_SIG_TYPES:
        if count != 1 or wallet.threshold != 1:
            raise InvalidWallet(f"a {wallet.script_type} wallet has exactly one key")
    elif wallet.script_type in MULTISIG_TYPES:
        if count == 0:
            raise InvalidWallet("a multisig wallet needs at least one key")
        if count > MAX_COSIGNERS:
            raise InvalidWallet(
                f"{count} cosigners is too many: at most {MAX_COSIGNERS} (the 520-byte script "
                "limit of sh(), and the limit of the hardware cosigners for wsh())"
            )
        if not 1 <= wallet.threshold <= count:
            raise InvalidWallet(
                f"threshold {wallet.threshold} is impossible with {count} keys: use 1 to {count}"
            )
    else:
        raise InvalidWallet(f"{wallet.script_type} wallets are not supported")
    _check_networks(wallet)
    seen_fingerprints: set[bytes] = set()
    seen_keys: set[bytes] = set()
    for key in wallet.keys:
        if key.xpub.sec() in seen_keys:
            raise InvalidWallet(f"the key of {key.fingerprint_hex} appears twice")
        if key.fingerprint in seen_fingerprints:
            raise InvalidWallet(
                f"two cosigner keys come from the same seed {key.fingerprint_hex}: "
                "each cosigner must be a different seed"
            )
        seen_keys.add(key.xpub.sec())
        seen_fingerprints.add(key.fingerprint)


def _check_networks(wallet: Wallet) -> None:
    version = wallet.network.params["xpub"]
    for key in wallet.keys:
        if key.xpub.version != version:
            raise InvalidWallet(
                f"key {key.fingerprint_hex} is not a {wallet.network.value}-network xpub"
            )


def _check_template(wallet: Wallet) -> None:
    """A miniscript wallet: sane policy, keys distinct by xpub and chains (one seed may hold
    keys in several spending paths)."""
    assert wallet.template is not None
    if wallet.script_type not in (ScriptType.P2WSH, ScriptType.P2TR):
        raise InvalidWallet("miniscript wallets are wsh(MINISCRIPT) or tr(KEY,TREE)")
    if wallet.template.key_count != len(wallet.keys):
        raise InvalidWallet("the template and the key list do not match")
    _check_networks(wallet)
    wallet.template.check([(key.xpub.sec(), key.chains) for key in wallet.keys])
    used_steps: dict[bytes, set[int]] = {}
    for key in wallet.keys:
        steps = used_steps.setdefault(key.xpub.sec(), set())
        if steps & set(key.chains):
            raise InvalidWallet(f"key {key.fingerprint_hex}: two spending paths share a "
                                "derivation step of the same xpub")
        steps.update(key.chains)
