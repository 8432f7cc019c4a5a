"""BIP-143 and BIP-341 signature hashes from raw PSBT bytes, with hashlib only.

Written from the BIPs' text, sharing no code with airsign or embit, so a signature that
verifies against these digests was made over the right transaction data.
"""

import hashlib
from dataclasses import dataclass


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def tagged_hash(tag: str, data: bytes) -> bytes:
    tag_hash = sha256(tag.encode())
    return sha256(tag_hash + tag_hash + data)


class Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, count: int) -> bytes:
        chunk = self.data[self.pos : self.pos + count]
        assert len(chunk) == count, "truncated"
        self.pos += count
        return chunk

    def varint(self) -> int:
        first = self.take(1)[0]
        widths = {0xFD: 2, 0xFE: 4, 0xFF: 8}
        return int.from_bytes(self.take(widths[first]), "little") if first in widths else first

    def string(self) -> bytes:
        return self.take(self.varint())


def varint(number: int) -> bytes:
    if number < 0xFD:
        return bytes([number])
    if number <= 0xFFFF:
        return b"\xfd" + number.to_bytes(2, "little")
    return b"\xfe" + number.to_bytes(4, "little")


@dataclass
class TxIn:
    outpoint: bytes  # txid (internal byte order) + vout, 36 bytes
    sequence: int


@dataclass
class Tx:
    version: int
    inputs: list[TxIn]
    outputs: list[bytes]  # serialised: amount (8) + script with length
    locktime: int


@dataclass
class Utxo:
    amount: int
    script: bytes


def read_psbt_v0(raw: bytes) -> tuple[Tx, list[Utxo | None], list[dict[bytes, bytes]]]:
    """The unsigned transaction, each input's witness UTXO, and each input's raw map."""
    reader = Reader(raw)
    assert reader.take(5) == b"psbt\xff"
    global_map = _read_map(reader)
    tx = _read_tx(Reader(global_map[b"\x00"]))
    input_maps = [_read_map(reader) for _ in tx.inputs]
    return tx, [_witness_utxo(input_map) for input_map in input_maps], input_maps


def _witness_utxo(input_map: dict[bytes, bytes]) -> Utxo | None:
    value = input_map.get(b"\x01")
    if value is None:
        return None
    utxo_reader = Reader(value)
    amount = int.from_bytes(utxo_reader.take(8), "little")
    return Utxo(amount, utxo_reader.string())


def read_psbt(raw: bytes) -> tuple[Tx, list[Utxo | None], list[dict[bytes, bytes]]]:
    """As read_psbt_v0, for v0 or v2. A v2 transaction is assembled as BIP-370 says: each
    input's PSBT_IN_SEQUENCE or 0xffffffff, and the locktime from the inputs' required
    height/time locktimes (height when both are possible) or else the fallback locktime."""
    reader = Reader(raw)
    assert reader.take(5) == b"psbt\xff"
    global_map = _read_map(reader)
    if b"\x00" in global_map:
        return read_psbt_v0(raw)
    input_maps = [_read_map(reader) for _ in range(Reader(global_map[b"\x04"]).varint())]
    output_maps = [_read_map(reader) for _ in range(Reader(global_map[b"\x05"]).varint())]
    inputs = [TxIn(m[b"\x0e"] + m[b"\x0f"],
                   int.from_bytes(m.get(b"\x10", b"\xff\xff\xff\xff"), "little"))
              for m in input_maps]
    outputs = [m[b"\x03"] + varint(len(m[b"\x04"])) + m[b"\x04"] for m in output_maps]
    locked = [m for m in input_maps if b"\x11" in m or b"\x12" in m]
    locktime = int.from_bytes(global_map.get(b"\x03", bytes(4)), "little")
    for field_type in (b"\x12", b"\x11"):  # height first: it wins when both are possible
        if locked and all(field_type in m for m in locked):
            locktime = max(int.from_bytes(m[field_type], "little") for m in locked)
            break
    else:
        assert not locked, "no locktime satisfies every input"
    tx = Tx(int.from_bytes(global_map[b"\x02"], "little"), inputs, outputs, locktime)
    return tx, [_witness_utxo(input_map) for input_map in input_maps], input_maps


def serialize_tx(tx: Tx) -> bytes:
    """The unsigned transaction in the legacy serialisation (empty scriptSigs)."""
    parts = [tx.version.to_bytes(4, "little"), varint(len(tx.inputs))]
    for txin in tx.inputs:
        parts += [txin.outpoint, b"\x00", txin.sequence.to_bytes(4, "little")]
    parts += [varint(len(tx.outputs)), *tx.outputs, tx.locktime.to_bytes(4, "little")]
    return b"".join(parts)


def as_v0(raw: bytes) -> bytes:
    """A v2 PSBT rewritten as v0 (for libraries that read only v0): the transaction from
    read_psbt, every map without the v2-only fields."""
    tx, _, _ = read_psbt(raw)
    global_map, inputs, outputs = read_maps_in_order(raw)
    if any(key == b"\x00" for key, _ in global_map):
        return raw
    v2_global = {b"\x02", b"\x03", b"\x04", b"\x05", b"\x06", b"\xfb"}
    v2_input = {0x0E, 0x0F, 0x10, 0x11, 0x12}
    return write_maps(
        [(b"\x00", serialize_tx(tx))] + [(k, v) for k, v in global_map if k not in v2_global],
        [[(k, v) for k, v in pairs if k[0] not in v2_input] for pairs in inputs],
        [[(k, v) for k, v in pairs if k[0] not in (0x03, 0x04)] for pairs in outputs])


def _read_map(reader: Reader) -> dict[bytes, bytes]:
    result = {}
    while True:
        key = reader.string()
        if not key:
            return result
        result[key] = reader.string()


def _read_tx(reader: Reader) -> Tx:
    version = int.from_bytes(reader.take(4), "little")
    inputs = []
    for _ in range(reader.varint()):
        outpoint = reader.take(36)
        reader.string()  # empty scriptSig in a PSBT
        inputs.append(TxIn(outpoint, int.from_bytes(reader.take(4), "little")))
    outputs = []
    for _ in range(reader.varint()):
        amount = reader.take(8)
        script = reader.string()
        outputs.append(amount + varint(len(script)) + script)
    return Tx(version, inputs, outputs, int.from_bytes(reader.take(4), "little"))


def bip143(tx: Tx, index: int, script_code: bytes, amount: int, sighash: int = 1) -> bytes:
    """BIP-143 digest for any sighash type (ALL, NONE, SINGLE, each with ANYONECANPAY)."""
    base, anyone_can_pay = sighash & 0x1F, bool(sighash & 0x80)
    zero = bytes(32)
    hash_prevouts = zero if anyone_can_pay else sha256(sha256(
        b"".join(i.outpoint for i in tx.inputs)))
    hash_sequence = zero if anyone_can_pay or base in (2, 3) else sha256(sha256(
        b"".join(i.sequence.to_bytes(4, "little") for i in tx.inputs)))
    if base not in (2, 3):
        hash_outputs = sha256(sha256(b"".join(tx.outputs)))
    elif base == 3 and index < len(tx.outputs):
        hash_outputs = sha256(sha256(tx.outputs[index]))
    else:
        hash_outputs = zero
    this = tx.inputs[index]
    preimage = (
        tx.version.to_bytes(4, "little") + hash_prevouts + hash_sequence + this.outpoint
        + varint(len(script_code)) + script_code + amount.to_bytes(8, "little")
        + this.sequence.to_bytes(4, "little") + hash_outputs + tx.locktime.to_bytes(4, "little")
        + sighash.to_bytes(4, "little")
    )
    return sha256(sha256(preimage))


def bip341_key_path(tx: Tx, index: int, utxos: list[Utxo], leaf_hash: bytes = b"") -> bytes:
    """BIP-341 SigMsg digest for SIGHASH_DEFAULT, no annex: the key path, or with a leaf
    hash the script path (BIP-342's extension: leaf hash, key version 0, no code separator)."""
    sha_prevouts = sha256(b"".join(i.outpoint for i in tx.inputs))
    sha_amounts = sha256(b"".join(u.amount.to_bytes(8, "little") for u in utxos))
    sha_scripts = sha256(b"".join(varint(len(u.script)) + u.script for u in utxos))
    sha_sequences = sha256(b"".join(i.sequence.to_bytes(4, "little") for i in tx.inputs))
    sha_outputs = sha256(b"".join(tx.outputs))
    message = (
        b"\x00"  # hash_type DEFAULT
        + tx.version.to_bytes(4, "little") + tx.locktime.to_bytes(4, "little")
        + sha_prevouts + sha_amounts + sha_scripts + sha_sequences + sha_outputs
        + (b"\x02" if leaf_hash else b"\x00")  # spend_type: ext_flag 1 for a script path
        + index.to_bytes(4, "little")
        + (leaf_hash + b"\x00" + b"\xff\xff\xff\xff" if leaf_hash else b"")
    )
    return tagged_hash("TapSighash", b"\x00" + message)  # epoch 0


def legacy_sighash_all(tx: Tx, index: int, script_code: bytes) -> bytes:
    """Pre-segwit SIGHASH_ALL digest: script_code in this input, empty scriptSigs elsewhere."""
    parts = [tx.version.to_bytes(4, "little"), varint(len(tx.inputs))]
    for position, txin in enumerate(tx.inputs):
        script = script_code if position == index else b""
        parts += [txin.outpoint, varint(len(script)), script, txin.sequence.to_bytes(4, "little")]
    parts += [varint(len(tx.outputs)), *tx.outputs, tx.locktime.to_bytes(4, "little")]
    parts.append((1).to_bytes(4, "little"))
    return sha256(sha256(b"".join(parts)))


KeyValues = list[tuple[bytes, bytes]]


def read_maps_in_order(raw: bytes) -> tuple[KeyValues, list[KeyValues], list[KeyValues]]:
    """Every map as an ordered key-value list (v0 or v2), for byte-level comparisons."""
    reader = Reader(raw)
    assert reader.take(5) == b"psbt\xff"

    def read() -> KeyValues:
        pairs = []
        while True:
            key = reader.string()
            if not key:
                return pairs
            pairs.append((key, reader.string()))

    global_map = read()
    fields = dict(global_map)
    if b"\x00" in fields:
        tx = _read_tx(Reader(fields[b"\x00"]))
        counts = len(tx.inputs), len(tx.outputs)
    else:
        counts = Reader(fields[b"\x04"]).varint(), Reader(fields[b"\x05"]).varint()
    inputs = [read() for _ in range(counts[0])]
    outputs = [read() for _ in range(counts[1])]
    assert reader.pos == len(raw)
    return global_map, inputs, outputs


def write_maps(global_map: KeyValues, inputs: list[KeyValues], outputs: list[KeyValues]) -> bytes:
    out = b"psbt\xff"
    for pairs in (global_map, *inputs, *outputs):
        for key, value in pairs:
            out += varint(len(key)) + key + varint(len(value)) + value
        out += b"\x00"
    return out
