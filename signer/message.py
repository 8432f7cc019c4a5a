"""Sign and verify messages with this seed's single-sig addresses.

Two formats:
- BIP-322 ("bip322"): a virtual transaction spends a virtual output locked to the address; the
  signature is its witness (the *simple* form, for P2WPKH and P2TR) or the whole signed
  transaction (the *full* form, for P2SH-P2WPKH and P2PKH, whose scriptSig a simple signature
  cannot carry).
- "Bitcoin Signed Message" ("legacy"): a recoverable ECDSA signature over the double SHA-256 of
  the magic prefix and the message, with BIP-137's header byte naming the address type
  (P2PKH, P2SH-P2WPKH, P2WPKH). Verification also accepts Electrum's header for segwit
  addresses (the P2PKH header, with the address type found from the key). Taproot has no legacy
  form.

Keys are the standard BIP-44/49/84/86 accounts of this seed (the purpose picks the address
type); an address is found by searching those accounts as `address verify` searches wallets.
"""

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from embit import compact
from embit import script as embit_script
from embit.base import EmbitError
from embit.bip32 import HDKey
from embit.ec import PrivateKey, PublicKey, SchnorrSig, Signature
from embit.hashes import hash160, tagged_hash
from embit.transaction import Transaction, TransactionInput, TransactionOutput
from embit.util import secp256k1

from signer.errors import InvalidAddress, InvalidMessage, UsageError
from signer.network import Network
from signer.scripts import HARDENED, ScriptType, format_path, parse_path
from signer.sighash import ALL as SIGHASH_ALL
from signer.sighash import DEFAULT as SIGHASH_DEFAULT
from signer.sighash import Digests
from signer.sign import sign_ecdsa_low_r
from signer.wallet.derivation import ChainKey

LEGACY_MAGIC = b"\x18Bitcoin Signed Message:\n"
BIP322_TAG = "BIP0322-signed-message"
MAX_MESSAGE_BYTES = 64 * 1024  # far beyond a QR's capacity; keeps a hostile file bounded
SEARCH_ACCOUNTS = range(10)  # accounts searched when signing by address
DEFAULT_SEARCH_GAP = 1000

# BIP-137 header bytes: 27 + recovery id, plus a flag for the key and address type.
_HEADER_BASE = {
    ScriptType.P2PKH: 31,  # compressed key, P2PKH (27..30 is the uncompressed form)
    ScriptType.P2SH_P2WPKH: 35,
    ScriptType.P2WPKH: 39,
}
_PURPOSES = {44: ScriptType.P2PKH, 49: ScriptType.P2SH_P2WPKH, 84: ScriptType.P2WPKH,
             86: ScriptType.P2TR}
SINGLE_SIG_TYPES = tuple(_PURPOSES.values())


class MessageFormat(StrEnum):
    BIP322 = "bip322"
    LEGACY = "legacy"


@dataclass(frozen=True)
class SigningKey:
    """Where a message key sits: its full path, address type and address."""

    path: tuple[int, ...]
    script_type: ScriptType
    address: str

    @property
    def path_text(self) -> str:
        return format_path(self.path)


@dataclass(frozen=True)
class MessageSignature:
    address: str
    message: bytes
    format: MessageFormat
    signature: str  # base64
    path: tuple[int, ...]

    def as_json(self) -> dict[str, str]:
        return {"address": self.address, "message": message_text(self.message),
                "format": str(self.format), "signature": self.signature}


@dataclass(frozen=True)
class SignRequest:
    """What a QR asked to sign: SeedSigner's `signmessage <path> ascii:<text>`, or bare text."""

    message: bytes
    path: tuple[int, ...] | None = None


def message_text(message: bytes) -> str:
    """The message as text for display and JSON (invalid UTF-8 bytes shown as U+FFFD)."""
    return message.decode("utf-8", "replace")


def check_message(message: bytes) -> bytes:
    if len(message) > MAX_MESSAGE_BYTES:
        raise InvalidMessage(
            f"the message has {len(message):,} bytes; at most {MAX_MESSAGE_BYTES:,} are signed"
        )
    return message


def parse_request(data: str | bytes) -> SignRequest:
    """A scanned sign-message request: `signmessage PATH ascii:TEXT` or the message itself."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if raw.startswith(b"signmessage "):
        _, _, rest = raw.partition(b" ")
        path_text, _, body = rest.partition(b" ")
        if not body.startswith(b"ascii:"):
            raise InvalidMessage("a signmessage request has the form "
                                 "'signmessage PATH ascii:TEXT'")
        path = parse_path(path_text.decode("ascii", "replace"))
        return SignRequest(check_message(body[len(b"ascii:"):]), path)
    return SignRequest(check_message(raw))


# --- keys and addresses ---------------------------------------------------------------


def script_type_of(path: tuple[int, ...], network: Network) -> ScriptType:
    """The address type a BIP-44/49/84/86 path stands for; UsageError for any other path."""
    if len(path) != 5 or any(index < HARDENED for index in path[:3]):
        raise UsageError(f"{format_path(path)} is not a single-sig address path "
                         "(m/purpose'/coin'/account'/chain/index)")
    purpose = path[0] - HARDENED
    if purpose not in _PURPOSES:
        raise UsageError(f"{format_path(path)}: purpose {purpose} is not one of 44, 49, 84, 86")
    if path[1] - HARDENED != network.coin_type:
        raise UsageError(
            f"{format_path(path)} is for coin type {path[1] - HARDENED}, but this device is on "
            f"{network} (coin type {network.coin_type})"
        )
    if path[3] >= HARDENED or path[4] >= HARDENED or path[3] not in (0, 1):
        raise UsageError(f"{format_path(path)}: chain must be 0 or 1 and the index unhardened")
    return _PURPOSES[purpose]


def output_script(script_type: ScriptType, pubkey: PublicKey) -> embit_script.Script:
    if script_type is ScriptType.P2PKH:
        return embit_script.p2pkh(pubkey)
    if script_type is ScriptType.P2WPKH:
        return embit_script.p2wpkh(pubkey)
    if script_type is ScriptType.P2SH_P2WPKH:
        return embit_script.p2sh(embit_script.p2wpkh(pubkey))
    return embit_script.p2tr(pubkey)  # BIP-86: the key tweaked with no script tree


def key_at(root: HDKey, path: tuple[int, ...], network: Network) -> SigningKey:
    script_type = script_type_of(path, network)
    pubkey = root.derive(list(path)).key.get_public_key()
    address = output_script(script_type, pubkey).address(network.params)
    return SigningKey(path, script_type, address)


def find_key(root: HDKey, address: str, network: Network,
             gap: int = DEFAULT_SEARCH_GAP) -> SigningKey:
    """The path of one of our single-sig addresses: accounts 0-9, both chains, gap indexes."""
    script = address_script(address, network)
    script_type = _script_type_of_script(script)
    purpose = next(p for p, t in _PURPOSES.items() if t is script_type)
    for account in SEARCH_ACCOUNTS:
        prefix = (purpose + HARDENED, network.coin_type + HARDENED, account + HARDENED)
        account_key = root.derive(list(prefix))
        for chain in (0, 1):
            chain_key = ChainKey.of(account_key.derive([chain]))
            for index in range(gap):
                if output_script(script_type, chain_key.public_child(index)) == script:
                    return SigningKey((*prefix, chain, index), script_type, address)
    raise InvalidAddress(
        f"{address} is not one of this seed's {script_type} addresses (accounts "
        f"0-{SEARCH_ACCOUNTS[-1]}, first {gap} receive and change addresses)"
    )


def address_script(address: str, network: Network | None) -> embit_script.Script:
    """The script an address pays; it must be an address of `network` (any network if None)."""
    text = address.strip()
    try:
        script = embit_script.address_to_scriptpubkey(text)
    except (EmbitError, ValueError, IndexError):
        raise InvalidAddress(f"{text!r} is not a Bitcoin address") from None
    networks = list(Network) if network is None else [network]
    if not any(script.address(n.params) in (text, text.lower()) for n in networks):
        raise InvalidAddress(f"{text} is not a {network} address")
    return script


def _script_type_of_script(script: embit_script.Script) -> ScriptType:
    kind = script.script_type()
    types = {"p2pkh": ScriptType.P2PKH, "p2sh": ScriptType.P2SH_P2WPKH,
             "p2wpkh": ScriptType.P2WPKH, "p2tr": ScriptType.P2TR}
    if kind not in types:
        raise InvalidAddress(f"messages are signed for P2PKH, P2SH-P2WPKH, P2WPKH and P2TR "
                             f"addresses, not {kind or 'this script'}")
    return types[kind]


# --- signing ----------------------------------------------------------------------------


def sign_message(root: HDKey, key: SigningKey, message: bytes,
                 fmt: MessageFormat) -> MessageSignature:
    signature = sign_with(root.derive(list(key.path)).key, key.script_type, message, fmt)
    return MessageSignature(key.address, message, fmt, signature, key.path)


def sign_with(private: PrivateKey, script_type: ScriptType, message: bytes,
              fmt: MessageFormat) -> str:
    """The base64 signature of `message` by `private` for its `script_type` address."""
    check_message(message)
    if fmt is MessageFormat.LEGACY:
        return _sign_legacy(private, script_type, message)
    return _sign_bip322(private, script_type, message)


def legacy_digest(message: bytes) -> bytes:
    data = LEGACY_MAGIC + compact.to_bytes(len(message)) + message
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _sign_legacy(private: PrivateKey, script_type: ScriptType, message: bytes) -> str:
    if script_type not in _HEADER_BASE:
        raise UsageError("taproot addresses have no legacy message signature: use bip322")
    recoverable = secp256k1.ecdsa_sign_recoverable(legacy_digest(message), private.secret)
    compact, recovery_id = secp256k1.ecdsa_recoverable_signature_serialize_compact(recoverable)
    header = _HEADER_BASE[script_type] + recovery_id
    return base64.b64encode(bytes([header]) + compact).decode("ascii")


def bip322_message_hash(message: bytes) -> bytes:
    return tagged_hash(BIP322_TAG, message)


def to_spend(message: bytes, script: embit_script.Script) -> Transaction:
    """BIP-322's virtual transaction paying 0 to the address's script."""
    script_sig = embit_script.Script(b"\x00\x20" + bip322_message_hash(message))
    vin = TransactionInput(b"\x00" * 32, 0xFFFFFFFF, script_sig, sequence=0)
    return Transaction(version=0, vin=[vin], vout=[TransactionOutput(0, script)], locktime=0)


def to_sign(spend: Transaction) -> Transaction:
    """The virtual transaction that spends `to_spend` into one OP_RETURN output."""
    vin = TransactionInput(spend.txid(), 0, sequence=0)
    op_return = TransactionOutput(0, embit_script.Script(b"\x6a"))
    return Transaction(version=0, vin=[vin], vout=[op_return], locktime=0)


def _digests(tx: Transaction, script: embit_script.Script) -> Digests:
    """Signature digests for `to_sign`, whose one input spends 0 sats of `script`."""
    return Digests(tx, [TransactionOutput(0, script)])


def _sign_bip322(private: PrivateKey, script_type: ScriptType, message: bytes) -> str:
    pubkey = private.get_public_key()
    script = output_script(script_type, pubkey)
    tx = to_sign(to_spend(message, script))
    if script_type is ScriptType.P2TR:
        tweaked = private.taproot_tweak(b"")
        digest = _digests(tx, script).taproot(0, SIGHASH_DEFAULT)
        tx.vin[0].witness = embit_script.Witness([tweaked.schnorr_sign(digest).serialize()])
        return _b64(tx.vin[0].witness.serialize())
    if script_type is ScriptType.P2PKH:
        digest = _digests(tx, script).legacy(0, script.data, SIGHASH_ALL)
        der = sign_ecdsa_low_r(private.secret, digest)
        tx.vin[0].script_sig = embit_script.Script(
            _push(der + bytes([SIGHASH_ALL])) + _push(pubkey.sec()))
        return _b64(tx.serialize())
    script_code = embit_script.p2pkh(pubkey)
    digest = _digests(tx, script).segwit_v0(0, script_code.data, 0, SIGHASH_ALL)
    der = sign_ecdsa_low_r(private.secret, digest)
    tx.vin[0].witness = embit_script.Witness([der + bytes([SIGHASH_ALL]), pubkey.sec()])
    if script_type is ScriptType.P2WPKH:
        return _b64(tx.vin[0].witness.serialize())  # simple: only the witness
    tx.vin[0].script_sig = embit_script.Script(_push(embit_script.p2wpkh(pubkey).data))
    return _b64(tx.serialize())  # full: a simple signature cannot carry the scriptSig


# --- verifying --------------------------------------------------------------------------


def verify_message(address: str, message: bytes, signature: str, network: Network | None,
                   fmt: MessageFormat | None = None) -> MessageFormat:
    """The format the signature verified in; InvalidMessage if it does not verify.

    `network` None accepts an address of any network. With fmt None the format is told apart
    by the signature's shape (65 bytes: legacy).
    """
    script = address_script(address, network)
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except ValueError:
        raise InvalidMessage("the signature is not base64") from None
    if fmt is None:
        fmt = MessageFormat.LEGACY if len(raw) == 65 else MessageFormat.BIP322
    ok = (_verify_legacy(script, message, raw) if fmt is MessageFormat.LEGACY
          else _verify_bip322(script, message, raw))
    if not ok:
        raise InvalidMessage(f"the {fmt} signature does not verify for {address.strip()} "
                             "and this message")
    return fmt


def _verify_legacy(script: embit_script.Script, message: bytes, raw: bytes) -> bool:
    if len(raw) != 65 or not 27 <= raw[0] <= 42:
        return False
    header = raw[0]
    recovery_id = (header - 27) & 3
    compressed = header >= 31
    try:
        recoverable = secp256k1.ecdsa_recoverable_signature_parse_compact(raw[1:], recovery_id)
        point = secp256k1.ecdsa_recover(recoverable, legacy_digest(message))
    except (ValueError, RuntimeError):
        return False
    pubkey = PublicKey(point, compressed=compressed)
    claimed = {31: ScriptType.P2PKH, 35: ScriptType.P2SH_P2WPKH, 39: ScriptType.P2WPKH}
    if header < 31:
        candidates: tuple[ScriptType, ...] = (ScriptType.P2PKH,)
    elif header < 35:  # Electrum writes the P2PKH header for every address type
        candidates = tuple(_HEADER_BASE)
    else:
        candidates = (claimed[header - recovery_id],)
    return any(output_script(t, pubkey) == script for t in candidates)


def _verify_bip322(script: embit_script.Script, message: bytes, raw: bytes) -> bool:
    spend = to_spend(message, script)
    simple = to_sign(spend)
    try:
        if _is_full(raw):
            tx = Transaction.parse(raw)
            if not _is_to_sign_of(tx, spend):
                return False
        else:
            simple.vin[0].witness = embit_script.Witness.parse(raw)
            tx = simple
    except (EmbitError, ValueError, IndexError):
        return False
    return _input_verifies(tx, script)


def _is_full(raw: bytes) -> bool:
    # A transaction starts with a 4-byte version (0 or 2 here); a witness stack starts with
    # its item count, which for these scripts is 1 or 2.
    return len(raw) > 4 and raw[1:4] == b"\x00\x00\x00" and raw[0] in (0, 2)


def _is_to_sign_of(tx: Transaction, spend: Transaction) -> bool:
    return (len(tx.vin) == 1 and tx.vin[0].txid == spend.txid() and tx.vin[0].vout == 0
            and len(tx.vout) == 1 and tx.vout[0].value == 0
            and tx.vout[0].script_pubkey.data == b"\x6a")


def _input_verifies(tx: Transaction, script: embit_script.Script) -> bool:
    """The single-sig spend of `script` by tx's first input, with BIP-322's required rules."""
    kind = script.script_type()
    vin = tx.vin[0]
    items = list(vin.witness.items)
    if kind == "p2tr":
        if vin.script_sig.data or len(items) != 1 or len(items[0]) not in (64, 65):
            return False
        sig = items[0]
        if len(sig) == 65 and sig[64] != SIGHASH_ALL:
            return False
        sighash = SIGHASH_DEFAULT if len(sig) == 64 else SIGHASH_ALL
        digest = _digests(tx, script).taproot(0, sighash)
        return PublicKey.from_xonly(script.data[2:]).schnorr_verify(
            SchnorrSig.parse(sig[:64]), digest)
    if kind == "p2pkh":
        pushes = _pushes(vin.script_sig.data)
        if items or pushes is None or len(pushes) != 2:
            return False
        return _ecdsa_ok(pushes[0], pushes[1], script.data[3:23],
                         lambda: _digests(tx, script).legacy(0, script.data, SIGHASH_ALL))
    if kind == "p2sh":
        if len(items) != 2:
            return False
        redeem = embit_script.Script(b"\x00\x14" + hash160(items[1]))
        if vin.script_sig.data != _push(redeem.data) or embit_script.p2sh(redeem) != script:
            return False
    elif kind != "p2wpkh" or vin.script_sig.data or len(items) != 2:
        return False
    code = embit_script.Script(b"\x76\xa9\x14" + hash160(items[1]) + b"\x88\xac")
    return _ecdsa_ok(items[0], items[1], hash160(items[1]) if kind == "p2sh" else script.data[2:],
                     lambda: _digests(tx, script).segwit_v0(0, code.data, 0, SIGHASH_ALL))


def _ecdsa_ok(sig: bytes, sec: bytes, key_hash: bytes, digest_of: Callable[[], bytes]) -> bool:
    if not sig or sig[-1] != SIGHASH_ALL or hash160(sec) != key_hash or len(sec) != 33:
        return False
    try:
        signature = Signature.parse(sig[:-1])
        pubkey = PublicKey.parse(sec)
    except (EmbitError, ValueError, IndexError):
        return False
    if not _strict_low_s(sig[:-1]):
        return False
    return pubkey.verify(signature, digest_of())


def _strict_low_s(der: bytes) -> bool:
    try:
        normalized = secp256k1.ecdsa_signature_normalize(secp256k1.ecdsa_signature_parse_der(der))
    except (ValueError, RuntimeError):
        return False
    return secp256k1.ecdsa_signature_serialize_der(normalized) == der


# --- small encodings ------------------------------------------------------------------------


def _push(data: bytes) -> bytes:
    if len(data) >= 0x4C:
        raise ValueError("only short pushes are used here")
    return bytes([len(data)]) + data


def _pushes(script: bytes) -> list[bytes] | None:
    """The items of a push-only script of short pushes; None for anything else."""
    items = []
    position = 0
    while position < len(script):
        length = script[position]
        if not 1 <= length < 0x4C or position + 1 + length > len(script):
            return None
        items.append(script[position + 1:position + 1 + length])
        position += 1 + length
    return items


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")

