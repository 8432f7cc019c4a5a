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
    utxos: list[Utxo | None] = []
    for input_map in input_maps:
        value = input_map.get(b"\x01")
        if value is None:
            utxos.append(None)
            continue
        utxo_reader = Reader(value)
        amount = int.from_bytes(utxo_reader.take(8), "little")
        utxos.append(Utxo(amount, utxo_reader.string()))
    return tx, utxos, input_maps


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


def bip341_key_path(tx: Tx, index: int, utxos: list[Utxo]) -> bytes:
    """BIP-341 SigMsg digest for SIGHASH_DEFAULT, key path, no annex."""
    sha_prevouts = sha256(b"".join(i.outpoint for i in tx.inputs))
    sha_amounts = sha256(b"".join(u.amount.to_bytes(8, "little") for u in utxos))
    sha_scripts = sha256(b"".join(varint(len(u.script)) + u.script for u in utxos))
    sha_sequences = sha256(b"".join(i.sequence.to_bytes(4, "little") for i in tx.inputs))
    sha_outputs = sha256(b"".join(tx.outputs))
    message = (
        b"\x00"  # hash_type DEFAULT
        + tx.version.to_bytes(4, "little") + tx.locktime.to_bytes(4, "little")
        + sha_prevouts + sha_amounts + sha_scripts + sha_sequences + sha_outputs
        + b"\x00"  # spend_type: no annex, key path
        + index.to_bytes(4, "little")
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
