"""Load, validate and serialise PSBTs (BIP-174 v0, BIP-370 v2, BIP-371 taproot fields).

Two layers: the raw key-value maps exactly as they arrived (so that a signed PSBT is the
received bytes plus our signatures, byte for byte, whatever field order the coordinator used),
and embit's PSBT object for meaning (transaction, scripts, derivations). `load_psbt` checks
the structure against the BIPs' rules itself, because embit accepts several invalid PSBTs and
rejects some valid ones (an unsigned transaction with no inputs).
"""

import base64
import binascii
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from embit import compact
from embit.base import EmbitError
from embit.psbt import PSBT, InputScope, OutputScope
from embit.script import Script
from embit.transaction import Transaction, TransactionInput, TransactionOutput

from signer.errors import InvalidPSBT, PSBTTooComplex

MAGIC = b"psbt\xff"
# Limits that bound the work a hostile PSBT can cause (docs/SECURITY.md, "Bounded work"), each
# checked while the bytes are read, before any field is turned into keys or scripts. Real
# spends stay far below them; the worst PSBT within them reviews in bounded time (bench.limits).
DEFAULT_MAX_SIZE = 2 * 1024 * 1024  # Coldcard Mk4/Q's PSBT limit too; 100 kvB tx + prev txs
MAX_INPUTS = 1_000
MAX_OUTPUTS = 2_000  # a batch payout this wide is already rare; Coldcard tests 250 in, 2,000 out
MAX_MAP_ENTRIES = 256  # per map: a 15-key multisig input needs about 35
MAX_PATH_DEPTH = 255  # BIP-32 serialises a key's depth in one byte
MAX_KEY_DERIVATIONS = 8_000  # BIP32/taproot derivation entries in all maps together
# Distinct path prefixes over all derivations: what re-deriving every listed key from a root
# costs with a prefix cache. Honest PSBTs share the account prefix: about one step per address.
MAX_DERIVATION_STEPS = 8_000
# Partial and taproot script signatures in all inputs: each is verified over the transaction
# (only a valid one counts as signed). A 1,000-input spend with two cosigners' signatures
# each holds 2,000.
MAX_SIGNATURES = 4_000
MAX_TAP_TREE_DEPTH = 128  # BIP-341's control block limit
LOCKTIME_THRESHOLD = 500_000_000  # below: block height, at or above: unix time
FINAL_SEQUENCE = 0xFFFFFFFF  # also BIP-370's value for an input without PSBT_IN_SEQUENCE
# Bitcoin Core's MAX_STANDARD_TX_WEIGHT is 400,000 WU: a transaction whose stripped size alone
# exceeds 100,000 bytes can never be relayed, so its PSBT is refused before it is parsed.
MAX_STANDARD_TX_SIZE = 100_000
MIN_INPUT_SIZE, MIN_OUTPUT_SIZE, TX_OVERHEAD = 41, 9, 10

# Field type bytes (BIP-174 / 370 / 371 / 373) that this module refers to by name.
GLOBAL_UNSIGNED_TX = 0x00
GLOBAL_XPUB = 0x01
GLOBAL_TX_VERSION = 0x02
GLOBAL_FALLBACK_LOCKTIME = 0x03
GLOBAL_INPUT_COUNT = 0x04
GLOBAL_OUTPUT_COUNT = 0x05
GLOBAL_TX_MODIFIABLE = 0x06
GLOBAL_VERSION = 0xFB
IN_PARTIAL_SIG = 0x02
IN_SIGHASH_TYPE = 0x03
IN_PREVIOUS_TXID = 0x0E
IN_OUTPUT_INDEX = 0x0F
IN_SEQUENCE = 0x10
IN_REQUIRED_TIME_LOCKTIME = 0x11
IN_REQUIRED_HEIGHT_LOCKTIME = 0x12
IN_TAP_KEY_SIG = 0x13
IN_TAP_SCRIPT_SIG = 0x14
OUT_AMOUNT = 0x03
OUT_SCRIPT = 0x04

KeyValue = tuple[bytes, bytes]


@dataclass
class PSBTMaps:
    """The PSBT's key-value maps in received order (keys include their type byte)."""

    global_map: list[KeyValue]
    inputs: list[list[KeyValue]]
    outputs: list[list[KeyValue]]

    def serialize(self) -> bytes:
        out = io.BytesIO()
        out.write(MAGIC)
        for kv_map in (self.global_map, *self.inputs, *self.outputs):
            out.write(_map_bytes(kv_map))
        return out.getvalue()


class ParsedPSBT(PSBT):
    """embit's PSBT plus the raw maps it was read from, so serialisation loses nothing."""

    maps: PSBTMaps

    def add_partial_sig(self, input_index: int, pubkey: bytes, signature: bytes) -> None:
        """Record an ECDSA signature (DER + sighash byte) for pubkey (SEC bytes)."""
        from embit.ec import PublicKey

        self.inputs[input_index].partial_sigs[PublicKey.parse(pubkey)] = signature
        self._put(input_index, bytes([IN_PARTIAL_SIG]) + pubkey, signature)

    def add_taproot_key_sig(self, input_index: int, signature: bytes) -> None:
        """Record a BIP-340 key-path signature (64 bytes, or 65 with a sighash byte)."""
        self.inputs[input_index].unknown[bytes([IN_TAP_KEY_SIG])] = signature
        self._put(input_index, bytes([IN_TAP_KEY_SIG]), signature)

    def add_taproot_script_sig(self, input_index: int, xonly: bytes, leaf_hash: bytes,
                               signature: bytes) -> bytes:
        """Record a BIP-340 script-path signature for one tapscript leaf; returns its key."""
        from embit.ec import PublicKey

        self.inputs[input_index].taproot_sigs[(PublicKey.from_xonly(xonly), leaf_hash)] = \
            signature
        key = bytes([IN_TAP_SCRIPT_SIG]) + xonly + leaf_hash
        self._put(input_index, key, signature)
        return key

    def _put(self, input_index: int, key: bytes, value: bytes) -> None:
        """Insert before the first larger key: a key-sorted map (Bitcoin Core's order) stays
        sorted, and every other field keeps its bytes and relative order."""
        kv_map = self.maps.inputs[input_index]
        for position, (existing, _) in enumerate(kv_map):
            if existing == key:
                kv_map[position] = (key, value)
                return
            if existing > key:
                kv_map.insert(position, (key, value))
                return
        kv_map.append((key, value))


def decode_psbt_text(data: bytes | str) -> tuple[bytes, str]:
    """The binary PSBT inside base64, hex or binary data, and which of the three it was."""
    if isinstance(data, bytes) and data.startswith(MAGIC):
        return data, "binary"
    try:
        text = data.decode("ascii") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise InvalidPSBT("not a PSBT: binary data without the PSBT magic bytes") from None
    text = "".join(text.split())
    if not text:
        raise InvalidPSBT("empty PSBT")
    if text[:10].lower() == MAGIC.hex():
        try:
            return bytes.fromhex(text), "hex"
        except ValueError:
            raise InvalidPSBT("PSBT hex has a non-hex character or odd length") from None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidPSBT("not a PSBT: neither valid base64 nor hex") from None
    if not raw.startswith(MAGIC):
        raise InvalidPSBT("not a PSBT: the data does not start with the PSBT magic bytes")
    return raw, "base64"


def encode_psbt(raw: bytes, encoding: str) -> bytes:
    """raw PSBT bytes in the named encoding ("base64", "hex" or "binary")."""
    if encoding == "base64":
        return base64.b64encode(raw)
    if encoding == "hex":
        return raw.hex().encode()
    return raw


def load_psbt(data: bytes | str, *, max_size: int = DEFAULT_MAX_SIZE) -> ParsedPSBT:
    """Parse a base64, hex or binary PSBT (v0 or v2); InvalidPSBT says what is wrong."""
    if len(data) > max_size * 2:  # hex is twice the size; checked again on the binary
        raise PSBTTooComplex(f"PSBT too large (more than {max_size:,} bytes)")
    raw, _ = decode_psbt_text(data)
    if len(raw) > max_size:
        raise PSBTTooComplex(f"PSBT too large ({len(raw):,} bytes, limit {max_size:,})")
    layout = _read_maps(raw)
    _check_totals(layout.maps)
    try:
        return _build(raw, layout)
    except (EmbitError, ValueError, AssertionError, IndexError, RuntimeError,
            OverflowError) as exc:
        # embit reports bad pubkeys, scripts and transactions with these (OverflowError: a
        # length near 2^64 inside an embedded transaction, passed on to stream.read)
        raise InvalidPSBT(f"invalid PSBT field: {exc or type(exc).__name__}") from None


def serialize_psbt(psbt: PSBT) -> bytes:
    """The PSBT's bytes: for a loaded PSBT exactly the received maps plus added signatures."""
    if isinstance(psbt, ParsedPSBT):
        return psbt.maps.serialize()
    return psbt.serialize()


def psbt_version(psbt: PSBT) -> int:
    return 2 if psbt.version == 2 else 0


# --- raw maps ---------------------------------------------------------------------------
class _Reader:
    def __init__(self, raw: bytes):
        self.raw = raw
        self.pos = 0

    def take(self, count: int, what: str) -> bytes:
        if self.pos + count > len(self.raw):
            raise InvalidPSBT(f"PSBT ends in the middle of {what}")
        chunk = self.raw[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def compact_size(self, what: str) -> int:
        first = self.take(1, what)[0]
        if first < 0xFD:
            return first
        width = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
        value = int.from_bytes(self.take(width, what), "little")
        if value < {2: 0xFD, 4: 0x10000, 8: 0x100000000}[width]:
            raise InvalidPSBT(f"non-canonical length in {what}")
        return value

    def string(self, what: str) -> bytes:
        return self.take(self.compact_size(what), what)

    @property
    def done(self) -> bool:
        return self.pos == len(self.raw)


def _read_map(reader: _Reader, where: str) -> list[KeyValue]:
    kv_map: list[KeyValue] = []
    seen: set[bytes] = set()
    while True:
        key = reader.string(f"a key of the {where}")
        if not key:
            return kv_map
        value = reader.string(f"a value of the {where}")
        if key in seen:
            raise InvalidPSBT(f"duplicate key {key[:1].hex()}... in the {where}")
        if len(kv_map) == MAX_MAP_ENTRIES:
            raise PSBTTooComplex(f"the {where} has more than {MAX_MAP_ENTRIES} fields")
        seen.add(key)
        kv_map.append((key, value))


def _map_bytes(kv_map: list[KeyValue]) -> bytes:
    out = bytearray()
    for key, value in kv_map:
        out += compact.to_bytes(len(key)) + key + compact.to_bytes(len(value)) + value
    out += b"\x00"
    return bytes(out)


@dataclass(frozen=True)
class _Layout:
    maps: PSBTMaps
    version: int
    unsigned_tx: Transaction | None  # v0 only
    input_spans: list[tuple[int, int]]  # where each map lies in the raw bytes
    output_spans: list[tuple[int, int]]


def _read_maps(raw: bytes) -> _Layout:
    reader = _Reader(raw)
    if reader.take(5, "the magic bytes") != MAGIC:
        raise InvalidPSBT("not a PSBT: missing the magic bytes")
    global_map = _read_map(reader, "global map")
    fields = {key: value for key, value in global_map}
    version = int.from_bytes(_value(fields, GLOBAL_VERSION, b"\x00\x00\x00\x00"), "little")
    if version not in (0, 2):
        raise InvalidPSBT(f"unsupported PSBT version {version}")
    _check_fields(global_map, _GLOBAL_RULES, version, "global map")
    unsigned_tx = None
    if version == 0:
        if bytes([GLOBAL_UNSIGNED_TX]) not in fields:
            raise InvalidPSBT("PSBTv0 without the unsigned transaction")
        tx_bytes = fields[bytes([GLOBAL_UNSIGNED_TX])]
        if len(tx_bytes) > MAX_STANDARD_TX_SIZE:
            raise InvalidPSBT(f"the transaction is {len(tx_bytes):,} bytes before signatures: "
                              f"above the {MAX_STANDARD_TX_SIZE:,}-byte standard limit")
        unsigned_tx = _parse_unsigned_tx(tx_bytes)
        n_inputs, n_outputs = len(unsigned_tx.vin), len(unsigned_tx.vout)
        _check_counts(n_inputs, n_outputs)
    else:
        for required, name in ((GLOBAL_TX_VERSION, "TX_VERSION"), (GLOBAL_INPUT_COUNT,
                               "INPUT_COUNT"), (GLOBAL_OUTPUT_COUNT, "OUTPUT_COUNT")):
            if bytes([required]) not in fields:
                raise InvalidPSBT(f"PSBTv2 without PSBT_GLOBAL_{name}")
        n_inputs = _compact_value(fields[bytes([GLOBAL_INPUT_COUNT])], "input count")
        n_outputs = _compact_value(fields[bytes([GLOBAL_OUTPUT_COUNT])], "output count")
        if n_inputs * MIN_INPUT_SIZE + n_outputs * MIN_OUTPUT_SIZE + TX_OVERHEAD > \
                MAX_STANDARD_TX_SIZE:
            raise InvalidPSBT(f"{n_inputs:,} inputs and {n_outputs:,} outputs: above the "
                              f"{MAX_STANDARD_TX_SIZE:,}-byte standard transaction limit")
        _check_counts(n_inputs, n_outputs)
    inputs, input_spans = _read_scope_maps(
        reader, n_inputs, "input", _INPUT_RULES, version=version,
        required_in_v2=(IN_PREVIOUS_TXID, IN_OUTPUT_INDEX))
    outputs, output_spans = _read_scope_maps(
        reader, n_outputs, "output", _OUTPUT_RULES, version=version,
        required_in_v2=(OUT_AMOUNT, OUT_SCRIPT))
    if not reader.done:
        raise InvalidPSBT(f"{len(raw) - reader.pos} unexpected bytes after the last output map")
    return _Layout(PSBTMaps(global_map, inputs, outputs), version, unsigned_tx, input_spans,
                   output_spans)


def _check_counts(n_inputs: int, n_outputs: int) -> None:
    for count, limit, scope in ((n_inputs, MAX_INPUTS, "inputs"),
                                (n_outputs, MAX_OUTPUTS, "outputs")):
        if count > limit:
            raise PSBTTooComplex(f"{count:,} {scope}: this device signs at most {limit:,}")


def _read_scope_maps(reader: _Reader, count: int, scope: str, rules: dict[int, "_Rule"], *,
                     version: int, required_in_v2: tuple[int, ...]
                     ) -> tuple[list[list[KeyValue]], list[tuple[int, int]]]:
    """The `count` input (or output) maps, checked, and where each lies in the raw bytes."""
    maps, spans = [], []
    for index in range(count):
        start = reader.pos
        kv_map = _read_map(reader, f"map of {scope} {index}")
        spans.append((start, reader.pos))
        _check_fields(kv_map, rules, version, f"{scope} {index}")
        if version == 2:
            _require(kv_map, required_in_v2, f"{scope} {index}")
        maps.append(kv_map)
    return maps, spans


def _value(fields: dict[bytes, bytes], type_byte: int, default: bytes) -> bytes:
    return fields.get(bytes([type_byte]), default)


def _require(kv_map: list[KeyValue], types: tuple[int, ...], where: str) -> None:
    present = {key for key, _ in kv_map}
    for type_byte in types:
        if bytes([type_byte]) not in present:
            raise InvalidPSBT(f"PSBTv2 {where} lacks required field 0x{type_byte:02x}")


def _compact_value(value: bytes, what: str) -> int:
    reader = _Reader(value)
    number = reader.compact_size(what)
    if not reader.done:
        raise InvalidPSBT(f"{what} has trailing bytes")
    return number


def _parse_unsigned_tx(value: bytes) -> Transaction:
    """The v0 unsigned transaction: always the legacy serialisation, with empty scriptSigs."""
    reader = _Reader(value)
    what = "the unsigned transaction"
    version = int.from_bytes(reader.take(4, what), "little")
    vin = []
    for _ in range(reader.compact_size(what)):
        txid = bytes(reversed(reader.take(32, what)))
        vout = int.from_bytes(reader.take(4, what), "little")
        if reader.string(what):
            raise InvalidPSBT("the unsigned transaction has a non-empty scriptSig")
        vin.append(TransactionInput(txid, vout, sequence=int.from_bytes(reader.take(4, what),
                                                                         "little")))
    vout_list = []
    for _ in range(reader.compact_size(what)):
        amount = int.from_bytes(reader.take(8, what), "little")
        vout_list.append(TransactionOutput(amount, Script(reader.string(what))))
    locktime = int.from_bytes(reader.take(4, what), "little")
    if not reader.done:
        # also catches the segwit serialisation, which BIP-174 forbids here
        raise InvalidPSBT("the unsigned transaction has trailing bytes or witness data")
    return Transaction(version=version, vin=vin, vout=vout_list, locktime=locktime)


# --- per-field rules ---------------------------------------------------------------------
@dataclass(frozen=True)
class _Rule:
    name: str
    key_lengths: Callable[[int], bool] = lambda n: n == 1
    value_check: Callable[[bytes], str | None] = lambda v: None
    versions: frozenset[int] = field(default_factory=lambda: frozenset({0, 2}))


V0_ONLY, V2_ONLY = frozenset({0}), frozenset({2})


def _exact(size: int) -> Callable[[bytes], str | None]:
    return lambda v: None if len(v) == size else f"must be {size} bytes"


def _sizes(*sizes: int) -> Callable[[bytes], str | None]:
    return lambda v: None if len(v) in sizes else f"must be {' or '.join(map(str, sizes))} bytes"


def _path_problem(fingerprint_and_path: int) -> str | None:
    """What is wrong with a fingerprint-and-path value of this length, if anything."""
    if fingerprint_and_path < 4 or fingerprint_and_path % 4:
        return "is not a fingerprint and path"
    steps = (fingerprint_and_path - 4) // 4
    if steps > MAX_PATH_DEPTH:
        return f"has a key path of {steps:,} steps: BIP-32 allows at most {MAX_PATH_DEPTH}"
    return None


def _derivation(v: bytes) -> str | None:
    return _path_problem(len(v))


def _tap_path_start(v: bytes) -> int:
    """Where the fingerprint starts in a taproot derivation value (after the leaf hashes)."""
    reader = _Reader(v)
    leaves = reader.compact_size("leaf count")
    return reader.pos + 32 * leaves


def _tap_derivation(v: bytes) -> str | None:
    try:
        start = _tap_path_start(v)
    except InvalidPSBT:
        return "has no leaf hash count"
    return "has an invalid length" if start > len(v) else _path_problem(len(v) - start)


def _time_locktime(v: bytes) -> str | None:
    if len(v) != 4:
        return "must be 4 bytes"
    return None if int.from_bytes(v, "little") >= LOCKTIME_THRESHOLD else "is not a time"


def _height_locktime(v: bytes) -> str | None:
    if len(v) != 4:
        return "must be 4 bytes"
    return None if 0 < int.from_bytes(v, "little") < LOCKTIME_THRESHOLD else "is not a height"


def _tap_tree(v: bytes) -> str | None:
    """BIP-371: leaves in depth-first order; their depths must describe one binary tree."""
    if not v:
        return "must not be empty"
    reader = _Reader(v)
    # Depths of the subtrees still waiting for a sibling; two at equal depth make their parent.
    open_depths: list[int] = []
    try:
        while not reader.done:
            depth, _leaf_version = reader.take(2, "tap tree")
            reader.string("tap tree")
            if depth > MAX_TAP_TREE_DEPTH:
                return f"is deeper than {MAX_TAP_TREE_DEPTH}"
            if open_depths == [0]:
                return "has leaves after its tree is complete"
            open_depths.append(depth)
            while len(open_depths) > 1 and open_depths[-1] == open_depths[-2] > 0:
                open_depths[-2:] = [open_depths[-1] - 1]
    except InvalidPSBT:
        return "is truncated"
    return None if open_depths == [0] else "does not describe a binary tree"


def _witness_utxo(v: bytes) -> str | None:
    reader = _Reader(v)
    try:
        reader.take(8, "amount")
        reader.string("script")
    except InvalidPSBT:
        return "is truncated"
    return None if reader.done else "has trailing bytes"


def _multiple_of(size: int) -> Callable[[bytes], str | None]:
    return lambda v: None if v and len(v) % size == 0 else f"is not a multiple of {size} bytes"


def _pubkey_key(n: int) -> bool:
    return n in (34, 66)


_GLOBAL_RULES: dict[int, _Rule] = {
    GLOBAL_UNSIGNED_TX: _Rule("UNSIGNED_TX", versions=V0_ONLY),
    GLOBAL_XPUB: _Rule("XPUB", lambda n: n == 79, _derivation),
    GLOBAL_TX_VERSION: _Rule("TX_VERSION", value_check=_exact(4), versions=V2_ONLY),
    GLOBAL_FALLBACK_LOCKTIME: _Rule("FALLBACK_LOCKTIME", value_check=_exact(4),
                                    versions=V2_ONLY),
    GLOBAL_INPUT_COUNT: _Rule("INPUT_COUNT", versions=V2_ONLY),
    GLOBAL_OUTPUT_COUNT: _Rule("OUTPUT_COUNT", versions=V2_ONLY),
    GLOBAL_TX_MODIFIABLE: _Rule("TX_MODIFIABLE", value_check=_exact(1), versions=V2_ONLY),
    GLOBAL_VERSION: _Rule("VERSION", value_check=_exact(4)),
}
_INPUT_RULES: dict[int, _Rule] = {
    0x00: _Rule("NON_WITNESS_UTXO"),
    0x01: _Rule("WITNESS_UTXO", value_check=_witness_utxo),
    IN_PARTIAL_SIG: _Rule("PARTIAL_SIG", _pubkey_key),
    IN_SIGHASH_TYPE: _Rule("SIGHASH_TYPE", value_check=_exact(4)),
    0x04: _Rule("REDEEM_SCRIPT"),
    0x05: _Rule("WITNESS_SCRIPT"),
    0x06: _Rule("BIP32_DERIVATION", _pubkey_key, _derivation),
    0x07: _Rule("FINAL_SCRIPTSIG"),
    0x08: _Rule("FINAL_SCRIPTWITNESS"),
    0x0A: _Rule("RIPEMD160", lambda n: n == 21),
    0x0B: _Rule("SHA256", lambda n: n == 33),
    0x0C: _Rule("HASH160", lambda n: n == 21),
    0x0D: _Rule("HASH256", lambda n: n == 33),
    IN_PREVIOUS_TXID: _Rule("PREVIOUS_TXID", value_check=_exact(32), versions=V2_ONLY),
    IN_OUTPUT_INDEX: _Rule("OUTPUT_INDEX", value_check=_exact(4), versions=V2_ONLY),
    IN_SEQUENCE: _Rule("SEQUENCE", value_check=_exact(4), versions=V2_ONLY),
    IN_REQUIRED_TIME_LOCKTIME: _Rule("REQUIRED_TIME_LOCKTIME", value_check=_time_locktime,
                                     versions=V2_ONLY),
    IN_REQUIRED_HEIGHT_LOCKTIME: _Rule("REQUIRED_HEIGHT_LOCKTIME", value_check=_height_locktime,
                                       versions=V2_ONLY),
    IN_TAP_KEY_SIG: _Rule("TAP_KEY_SIG", value_check=_sizes(64, 65)),
    IN_TAP_SCRIPT_SIG: _Rule("TAP_SCRIPT_SIG", lambda n: n == 65, _sizes(64, 65)),
    0x15: _Rule("TAP_LEAF_SCRIPT", lambda n: n >= 34 and (n - 34) % 32 == 0 and n <= 34 + 32 * 128,
                lambda v: None if v else "must not be empty"),
    0x16: _Rule("TAP_BIP32_DERIVATION", lambda n: n == 33, _tap_derivation),
    0x17: _Rule("TAP_INTERNAL_KEY", value_check=_exact(32)),
    0x18: _Rule("TAP_MERKLE_ROOT", value_check=_exact(32)),
    0x1A: _Rule("MUSIG2_PARTICIPANT_PUBKEYS", lambda n: n == 34, _multiple_of(33)),
    0x1B: _Rule("MUSIG2_PUB_NONCE", lambda n: n in (67, 99), _exact(66)),
    0x1C: _Rule("MUSIG2_PARTIAL_SIG", lambda n: n in (67, 99), _exact(32)),
}
_OUTPUT_RULES: dict[int, _Rule] = {
    0x00: _Rule("REDEEM_SCRIPT"),
    0x01: _Rule("WITNESS_SCRIPT"),
    0x02: _Rule("BIP32_DERIVATION", _pubkey_key, _derivation),
    OUT_AMOUNT: _Rule("AMOUNT", value_check=_exact(8), versions=V2_ONLY),
    OUT_SCRIPT: _Rule("SCRIPT", versions=V2_ONLY),
    0x05: _Rule("TAP_INTERNAL_KEY", value_check=_exact(32)),
    0x06: _Rule("TAP_TREE", value_check=_tap_tree),
    0x07: _Rule("TAP_BIP32_DERIVATION", lambda n: n == 33, _tap_derivation),
    0x08: _Rule("MUSIG2_PARTICIPANT_PUBKEYS", lambda n: n == 34, _multiple_of(33)),
}


def _check_fields(kv_map: list[KeyValue], rules: dict[int, _Rule], version: int,
                  where: str) -> None:
    for key, value in kv_map:
        rule = rules.get(key[0])
        if rule is None:
            continue  # unknown and proprietary fields are kept as they are
        if version not in rule.versions:
            raise InvalidPSBT(f"{rule.name} in the {where} is not allowed in a PSBTv{version}")
        if not rule.key_lengths(len(key)):
            raise InvalidPSBT(f"{rule.name} key in the {where} has the wrong length")
        problem = rule.value_check(value)
        if problem:
            raise InvalidPSBT(f"{rule.name} in the {where} {problem}")


_INPUT_DERIVATIONS = {0x06: False, 0x16: True}  # type -> taproot (leaf hashes first)
_OUTPUT_DERIVATIONS = {0x02: False, 0x07: True}
_SIGNATURES = {IN_PARTIAL_SIG, 0x14}  # PARTIAL_SIG, TAP_SCRIPT_SIG


def _check_totals(maps: PSBTMaps) -> None:
    """Count the signatures, the key derivations and the distinct BIP-32 steps they need."""
    signatures = sum(key[0] in _SIGNATURES for kv_map in maps.inputs for key, _ in kv_map)
    if signatures > MAX_SIGNATURES:
        raise PSBTTooComplex(f"{signatures:,} signatures to check: the limit is "
                             f"{MAX_SIGNATURES:,}")
    paths: set[bytes] = set()
    entries = 0
    for scope_maps, types in ((maps.inputs, _INPUT_DERIVATIONS),
                              (maps.outputs, _OUTPUT_DERIVATIONS)):
        for kv_map in scope_maps:
            for key, value in kv_map:
                taproot = types.get(key[0])
                if taproot is None:
                    continue
                entries += 1
                start = _tap_path_start(value) if taproot else 0
                paths.add(value[start + 4:])  # the path without its fingerprint
    if entries > MAX_KEY_DERIVATIONS:
        raise PSBTTooComplex(f"{entries:,} key derivations: the limit is "
                             f"{MAX_KEY_DERIVATIONS:,}")
    steps = _distinct_steps(paths)
    if steps > MAX_DERIVATION_STEPS:
        raise PSBTTooComplex(f"the key paths take {steps:,} distinct derivation steps: the "
                             f"limit is {MAX_DERIVATION_STEPS:,}")


def _distinct_steps(paths: set[bytes]) -> int:
    """Nodes of the tree the paths (4 bytes a step) form: each path's steps beyond the
    longest prefix it shares with its neighbour in sorted order."""
    steps, previous = 0, b""
    for path in sorted(paths):
        low, high = 0, min(len(path), len(previous)) // 4  # shared steps: binary search
        while low < high:
            middle = (low + high + 1) // 2
            if path[:4 * middle] == previous[:4 * middle]:
                low = middle
            else:
                high = middle - 1
        steps += len(path) // 4 - low
        previous = path
    return steps


# --- embit objects ------------------------------------------------------------------------
def _build(raw: bytes, layout: _Layout) -> ParsedPSBT:
    maps, unsigned_tx = layout.maps, layout.unsigned_tx
    skipped = {bytes([GLOBAL_UNSIGNED_TX]), bytes([GLOBAL_VERSION])}
    unknown = {key: value for key, value in maps.global_map if key not in skipped}
    psbt = ParsedPSBT(unsigned_tx, unknown, version=2 if layout.version == 2 else None)
    view = memoryview(raw)
    for index, (start, end) in enumerate(layout.input_spans):
        vin = unsigned_tx.vin[index] if unsigned_tx else None
        psbt.inputs[index] = InputScope.read_from(io.BytesIO(view[start:end]), vin=vin)
    for index, (start, end) in enumerate(layout.output_spans):
        vout = unsigned_tx.vout[index] if unsigned_tx else None
        psbt.outputs[index] = OutputScope.read_from(io.BytesIO(view[start:end]), vout=vout)
    psbt.maps = maps
    spent: dict[tuple[bytes, int], int] = {}
    for index, inp in enumerate(psbt.inputs):
        _check_previous_tx(numbered("input", index, len(psbt.inputs)), inp)
        first = spent.setdefault((inp.txid, inp.vout), index)
        if first != index:
            # consensus forbids it, and its amount counted twice would hide part of the fee
            count = len(psbt.inputs)
            raise InvalidPSBT(f"{numbered('input', index, count)} spends the same coin as "
                              f"{numbered('input', first, count)}")
    return psbt


def numbered(part: str, index: int, count: int) -> str:
    """"input 2/3": the 0-based `index` numbered from 1, as every screen and message does."""
    return f"{part} {index + 1}/{count}"


def _check_previous_tx(name: str, inp: InputScope) -> None:
    """As Bitcoin Core: a previous transaction must be the one the input spends."""
    if inp.non_witness_utxo is None:
        return
    if inp.non_witness_utxo.txid() != inp.txid:
        raise InvalidPSBT(f"{name}: the previous transaction does not match its txid")
    if inp.vout >= len(inp.non_witness_utxo.vout):
        raise InvalidPSBT(f"{name}: spends output {inp.vout}, which does not exist")


# --- the transaction being signed --------------------------------------------------------
def computed_locktime(psbt: PSBT) -> int:
    """nLockTime of the transaction: the v0 field, or BIP-370's determination for v2."""
    if psbt_version(psbt) == 0:
        return psbt.locktime or 0
    heights, times, any_required = [], [], False
    for inp in psbt.inputs:
        height = inp.unknown.get(bytes([IN_REQUIRED_HEIGHT_LOCKTIME]))
        time = inp.unknown.get(bytes([IN_REQUIRED_TIME_LOCKTIME]))
        if height is None and time is None:
            continue
        any_required = True
        heights.append(None if height is None else int.from_bytes(height, "little"))
        times.append(None if time is None else int.from_bytes(time, "little"))
    if not any_required:
        return psbt.locktime or 0  # the fallback locktime, 0 when absent
    if all(height is not None for height in heights):
        return max(h for h in heights if h is not None)  # height wins when both are possible
    if all(time is not None for time in times):
        return max(t for t in times if t is not None)
    raise InvalidPSBT("the inputs require both a height and a time locktime: no valid locktime")


def unsigned_transaction(psbt: PSBT) -> Transaction:
    """The transaction the PSBT describes, exactly: what is reviewed and what is signed.

    Built from the PSBT's own fields and never from embit's `PSBT.tx`, which fills in its
    defaults (nSequence 0 becomes 0xffffffff, version 0 becomes 2) and so describes another
    transaction. v0: the unsigned transaction's version, sequences and locktime as given. v2
    (BIP-370): PSBT_GLOBAL_TX_VERSION, each PSBT_IN_SEQUENCE (0xffffffff when absent) and the
    locktime determined from the required and fallback locktimes.
    """
    if psbt.tx_version is None:
        raise InvalidPSBT("the PSBT does not give the transaction version")
    vin = []
    for index, inp in enumerate(psbt.inputs):
        if inp.txid is None or inp.vout is None:
            raise InvalidPSBT(f"{numbered('input', index, len(psbt.inputs))} does not say which "
                              "coin it spends")
        sequence = FINAL_SEQUENCE if inp.sequence is None else inp.sequence
        vin.append(TransactionInput(inp.txid, inp.vout, sequence=sequence))
    vout = [TransactionOutput(out.value, out.script_pubkey) for out in psbt.outputs]
    return Transaction(version=psbt.tx_version, vin=vin, vout=vout,
                       locktime=computed_locktime(psbt))


@dataclass(frozen=True)
class SpentCoin:
    """The output an input spends. `output` is the truth when `proven` (taken from a
    previous transaction that hashes to the prevout), else the witness UTXO's claim; `problem`
    says how the PSBT's two copies disagree, when they do."""

    output: TransactionOutput | None
    proven: bool
    problem: str | None = None


def spent_coin(inp: InputScope) -> SpentCoin:
    """What input `inp` spends, preferring the hash-verified previous transaction."""
    claim = inp.witness_utxo
    full = inp.non_witness_utxo
    if full is None:
        return SpentCoin(claim, False)
    if full.txid() != inp.txid:
        return SpentCoin(None, False, "its previous transaction does not hash to the txid it "
                                      "spends")
    if inp.vout >= len(full.vout):
        return SpentCoin(None, False, "its previous transaction has no such output")
    truth = full.vout[inp.vout]
    if claim is not None and (claim.value != truth.value
                              or claim.script_pubkey.data != truth.script_pubkey.data):
        return SpentCoin(truth, True, f"its witness UTXO claims {claim.value:,} sats, its "
                                      f"previous transaction proves {truth.value:,} sats"
                         if claim.value != truth.value else "its witness UTXO's script "
                         "disagrees with the previous transaction")
    return SpentCoin(truth, True)


# Fields a coordinator needs to combine signatures back into its own copy of the PSBT.
_SKELETON_GLOBAL = {GLOBAL_UNSIGNED_TX, GLOBAL_TX_VERSION, GLOBAL_FALLBACK_LOCKTIME,
                    GLOBAL_INPUT_COUNT, GLOBAL_OUTPUT_COUNT, GLOBAL_TX_MODIFIABLE, GLOBAL_VERSION}
_SKELETON_INPUT = {IN_PREVIOUS_TXID, IN_OUTPUT_INDEX, IN_SEQUENCE, IN_REQUIRED_TIME_LOCKTIME,
                   IN_REQUIRED_HEIGHT_LOCKTIME}
_SKELETON_OUTPUT = {OUT_AMOUNT, OUT_SCRIPT}


def signatures_only(psbt: ParsedPSBT, added: dict[int, list[bytes]]) -> ParsedPSBT:
    """The transaction skeleton plus only the given input keys (our new signatures)."""
    version = psbt_version(psbt)

    def keep(kv_map: list[KeyValue], types: set[int], extra: list[bytes]) -> list[KeyValue]:
        skeleton = types if version == 2 else set()
        return [(k, v) for k, v in kv_map if (k[0] in skeleton and len(k) == 1) or k in extra]

    maps = PSBTMaps(
        [(k, v) for k, v in psbt.maps.global_map if k[0] in _SKELETON_GLOBAL and len(k) == 1],
        [keep(m, _SKELETON_INPUT, added.get(i, [])) for i, m in enumerate(psbt.maps.inputs)],
        [keep(m, _SKELETON_OUTPUT, []) for m in psbt.maps.outputs],
    )
    return load_psbt(maps.serialize())


def added_signatures_only(before: bytes, after: bytes) -> bytes:
    """`after` cut to the skeleton plus the input keys it adds to `before` (the signatures a
    signer added): the smallest reply a coordinator holding `before` can merge."""
    unsigned, signed = load_psbt(before), load_psbt(after)
    if len(unsigned.maps.inputs) != len(signed.maps.inputs):
        raise InvalidPSBT("the signed PSBT has other inputs than the one it answers")
    added = {
        index: [key for key, value in kv_map if (key, value) not in set(old)]
        for index, (kv_map, old) in enumerate(zip(signed.maps.inputs, unsigned.maps.inputs,
                                                   strict=True))
    }
    return serialize_psbt(signatures_only(signed, added))
