"""The loader's limits (signer/psbt.py): each class of oversized PSBT is refused on load with
one line, and a PSBT just inside every limit still loads and reviews.

Every PSBT here is written byte by byte by this file (BIP-174's key-value maps, BIP-370's
counts), not by airsign's or embit's serialiser, so a refusal is of the bytes an attacker
would send. docs/SECURITY.md, "Bounded work on hostile input", lists the limits.
"""

import hashlib
import tracemalloc

import pytest
from cli_kit import run_cli  # and the vault_keystore fixture (tests/conftest.py)
from embit.ec import PrivateKey
from independent.coordinator import make_wallet, root
from independent.sighash import varint as compact

from signer.errors import AirsignError, InvalidPSBT, PSBTTooComplex
from signer.network import Network
from signer.psbt import load_psbt
from signer.review import review_psbt
from signer.settings import Settings

HARDENED = 0x80000000
VAULT = make_wallet()


# --- a BIP-174 writer of our own (compact sizes from the independent sighash code) ---------
def field(key: bytes, value: bytes) -> bytes:
    return compact(len(key)) + key + compact(len(value)) + value


def kv_map(fields: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(field(key, value) for key, value in fields) + b"\x00"


PAYEE = b"\x00\x14" + bytes(range(20))
FOREIGN = b"\x00\x20" + hashlib.sha256(b"not ours").digest()


def utxo(amount: int, script: bytes) -> bytes:
    return amount.to_bytes(8, "little") + compact(len(script)) + script


def unsigned_tx(inputs: int, outputs: int) -> bytes:
    tx = (2).to_bytes(4, "little") + compact(inputs)
    for number in range(inputs):
        tx += hashlib.sha256(b"coin %d" % number).digest() + bytes(4) + b"\x00" + b"\xff" * 4
    tx += compact(outputs) + utxo(1_000, PAYEE) * outputs
    return tx + bytes(4)


def psbt_v0(inputs: list[list[tuple[bytes, bytes]]], outputs: list[list[tuple[bytes, bytes]]],
            extra_global: list[tuple[bytes, bytes]] = ()) -> bytes:  # type: ignore[assignment]
    global_map = [(b"\x00", unsigned_tx(len(inputs), len(outputs))), *extra_global]
    return b"psbt\xff" + b"".join(kv_map(m) for m in (global_map, *inputs, *outputs))


def psbt_v2_counts(inputs: int, outputs: int) -> bytes:
    """A PSBTv2 global map claiming these counts, with every input and output map present."""
    global_map = [(b"\x02", (2).to_bytes(4, "little")), (b"\x04", compact(inputs)),
                  (b"\x05", compact(outputs)), (b"\xfb", (2).to_bytes(4, "little"))]
    maps = [[(b"\x0e", hashlib.sha256(b"coin %d" % n).digest()), (b"\x0f", bytes(4))]
            for n in range(inputs)]
    maps += [[(b"\x03", (1_000).to_bytes(8, "little")), (b"\x04", PAYEE)]] * outputs
    return b"psbt\xff" + b"".join(kv_map(m) for m in (global_map, *maps))


def foreign_input(*fields: tuple[bytes, bytes]) -> list[tuple[bytes, bytes]]:
    return [(b"\x01", utxo(100_000, FOREIGN)), *fields]


def pubkey(number: int) -> bytes:
    return PrivateKey(hashlib.sha256(b"key %d" % number).digest()).sec()


def derivation(key: bytes, fingerprint: bytes, path: list[int]) -> tuple[bytes, bytes]:
    """PSBT_IN_BIP32_DERIVATION: fingerprint, then each step as 4 little-endian bytes."""
    return b"\x06" + key, fingerprint + b"".join(s.to_bytes(4, "little") for s in path)


def refused(raw: bytes | str, *words: str, kind: type[InvalidPSBT] = PSBTTooComplex) -> None:
    with pytest.raises(InvalidPSBT) as caught:
        load_psbt(raw)
    message = str(caught.value)
    assert isinstance(caught.value, kind), message
    assert "\n" not in message and all(word in message for word in words), message


def reviewed(raw: bytes) -> None:
    review_psbt(load_psbt(raw), root=root(0), wallets=[VAULT.wallet],
                settings=Settings(network=Network.TEST), network=Network.TEST)


# --- oversize ---------------------------------------------------------------------------------
def test_a_psbt_over_two_mib_is_refused_whatever_it_holds() -> None:
    padding = (b"\xfc\x05bench\x00", bytes(2 * 1024 * 1024))  # one proprietary global field
    refused(psbt_v0([foreign_input()], [[]], [padding]), "too large", "2,097,152")
    refused(psbt_v0([foreign_input()], [[]], [padding]).hex(), "too large")
    fits = (padding[0], bytes(2 * 1024 * 1024 - 400))
    reviewed(psbt_v0([foreign_input()], [[]], [fits]))


# --- deep paths -----------------------------------------------------------------------------
def test_a_path_deeper_than_bip32_allows_is_refused_on_load() -> None:
    # 256 steps: one more than BIP-32's one-byte depth (an invalid PSBT, not only a costly
    # one); it used to end in "internal error".
    for fingerprint in (bytes(4), root(0).my_fingerprint):
        raw = psbt_v0([foreign_input(derivation(pubkey(0), fingerprint, [1] * 256))], [[]])
        refused(raw, "BIP32_DERIVATION", "input 0", "256 steps", "255", kind=InvalidPSBT)
    tap = b"\x00" + bytes(4) + (1).to_bytes(4, "little") * 256  # no leaf hashes, then the path
    refused(psbt_v0([foreign_input((b"\x16" + pubkey(0)[1:], tap))], [[]]),
            "TAP_BIP32_DERIVATION", "256 steps", kind=InvalidPSBT)
    refused(psbt_v0([foreign_input()], [[(b"\x02" + pubkey(1),
                                          bytes(4) + b"\x00\x00\x00\x80" * 300)]]),
            "output 0", "300 steps", kind=InvalidPSBT)


def test_a_255_step_path_is_read_and_reviewed() -> None:
    for fingerprint in (bytes(4), root(0).my_fingerprint):
        steps = [HARDENED + 48, 1, *range(253)]
        reviewed(psbt_v0([foreign_input(derivation(pubkey(0), fingerprint, steps))], [[]]))


# --- too many entries ---------------------------------------------------------------------------
def test_a_map_of_more_than_256_fields_is_refused() -> None:
    proprietary = [(b"\xfc\x00" + n.to_bytes(2, "big"), b"") for n in range(255)]
    reviewed(psbt_v0([foreign_input(*proprietary)], [[]]))  # 256 fields: the limit
    refused(psbt_v0([foreign_input(*proprietary, (b"\xfc\x01", b""))], [[]]),
            "input 0", "more than 256 fields")
    refused(psbt_v0([foreign_input()], [[*proprietary, (b"\xfc\x01", b""), (b"\xfc\x02", b"")]]),
            "output 0", "more than 256 fields")
    refused(psbt_v0([foreign_input()], [[]], [*proprietary, (b"\xfc\x01", b"")]),
            "global map", "more than 256 fields")


def test_more_than_8000_key_derivations_are_refused() -> None:
    # 32 inputs of 250 derivations of one path: 8,000 entries, 2 distinct steps. One more
    # entry is refused, whatever the steps.
    keys = [pubkey(n) for n in range(251)]
    inputs = [foreign_input(*(derivation(keys[k], bytes(4), [0, 7]) for k in range(250)))
              for _ in range(32)]
    reviewed(psbt_v0(inputs, [[]]))
    inputs[0].append(derivation(keys[250], bytes(4), [0, 7]))
    refused(psbt_v0(inputs, [[]]), "8,001 key derivations", "8,000")


def test_more_than_8000_distinct_derivation_steps_are_refused() -> None:
    # Zero fingerprints on 250-step paths that share nothing: each step is a new derivation
    # from the root. 32 branches are 8,000 steps; a 33rd path of one more step is refused.
    keys = [pubkey(n) for n in range(33)]
    branches = [derivation(keys[n], bytes(4), [n, *range(249)]) for n in range(32)]
    inputs = [foreign_input(*branches[n:n + 8]) for n in range(0, 32, 8)]
    reviewed(psbt_v0(inputs, [[]]))
    inputs.append(foreign_input(derivation(keys[32], bytes(4), [0, *range(249), 5])))
    refused(psbt_v0(inputs, [[]]), "8,001 distinct derivation steps", "8,000")


def test_more_than_4000_signatures_are_refused() -> None:
    # Each partial (or taproot script) signature is verified in the review: 16 inputs of 250
    # junk signatures under distinct keys are 4,000; one more, of either kind, is refused.
    keys = [pubkey(n) for n in range(250)]
    signature = bytes.fromhex("3044" + "0220" + "11" * 32 + "0220" + "22" * 32) + b"\x01"
    inputs = [foreign_input(*((b"\x02" + key, signature) for key in keys)) for _ in range(16)]
    reviewed(psbt_v0(inputs, [[]]))
    for extra in ((b"\x02" + pubkey(250), signature),
                  (b"\x14" + pubkey(250)[1:] + bytes(32), bytes(64))):
        refused(psbt_v0([*inputs, foreign_input(extra)], [[]]), "4,001 signatures", "4,000")


@pytest.mark.parametrize("hidden", [False, True], ids=["our-fingerprint", "zero-fingerprint"])
def test_a_review_that_would_derive_too_many_wallet_keys_is_refused(hidden: bool) -> None:
    # 4,001 new vault addresses, each costing its three keys: within every loader limit, but
    # over the 12,000 wallet keys one review derives. By fingerprint, the vault's script is
    # derived at each; hidden (zero), each key of the vault is tried against each pubkey.
    ours = VAULT.wallet.key_for_fingerprint(root(0).my_fingerprint)
    assert ours is not None
    fingerprint, prefix = (bytes(4), []) if hidden else (ours.fingerprint, list(ours.origin_path))
    keys = [pubkey(n) for n in range(250)]
    entries = [derivation(keys[n % 250], fingerprint, [*prefix, n % 2, n // 2])
               for n in range(4_001)]
    inputs = [foreign_input(*entries[n:n + 250]) for n in range(0, len(entries), 250)]
    raw = psbt_v0(inputs, [[]])
    with pytest.raises(PSBTTooComplex) as caught:
        reviewed(raw)
    assert "12,000 wallet keys" in str(caught.value) and "\n" not in str(caught.value)


# --- too many inputs and outputs ------------------------------------------------------------
def test_more_than_1000_inputs_are_refused() -> None:
    load_psbt(psbt_v0([[]] * 1_000, [[]]))
    refused(psbt_v0([[]] * 1_001, [[]]), "1,001 inputs", "1,000")
    load_psbt(psbt_v2_counts(1_000, 1))
    refused(psbt_v2_counts(1_001, 1), "1,001 inputs")


def test_more_than_2000_outputs_are_refused() -> None:
    load_psbt(psbt_v0([[]], [[]] * 2_000))
    refused(psbt_v0([[]], [[]] * 2_001), "2,001 outputs", "2,000")
    refused(psbt_v2_counts(1, 2_001), "2,001 outputs")


# --- taproot trees ------------------------------------------------------------------------------
def tap_tree(*depths: int) -> tuple[bytes, bytes]:
    """PSBT_OUT_TAP_TREE with one OP_TRUE leaf (tapscript version 0xc0) per depth."""
    return b"\x06", b"".join(bytes([depth, 0xC0, 1, 0x51]) for depth in depths)


@pytest.mark.parametrize("depths", [
    (1, 1, 1),  # three leaves cannot all hang at depth 1
    (1,),  # half a tree
    (2, 1, 2),  # a subtree left open
    (0, 0),  # a lone leaf is the whole tree: nothing may follow
    (*range(1, 129), 128, 1),  # a complete tree, then one leaf more
    (*range(1, 130), 129),  # 129 levels: a control block holds 128
], ids=["three-at-depth-1", "half-a-tree", "open-subtree", "two-roots", "leaf-after-complete",
        "depth-129"])
def test_a_tap_tree_that_is_not_a_binary_tree_of_depth_128_is_refused(depths) -> None:
    with pytest.raises(InvalidPSBT) as caught:
        load_psbt(psbt_v0([foreign_input()], [[tap_tree(*depths)]]))
    assert "TAP_TREE" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("depths", [(0,), (1, 1), (1, 2, 2), (2, 2, 1), (*range(1, 129), 128)])
def test_binary_tap_trees_up_to_depth_128_load(depths) -> None:
    load_psbt(psbt_v0([foreign_input()], [[tap_tree(*depths)]]))


def test_every_refusal_is_an_airsign_error() -> None:
    assert issubclass(PSBTTooComplex, InvalidPSBT) and issubclass(InvalidPSBT, AirsignError)


def test_the_cli_refuses_with_one_line_and_exit_1(vault_keystore, tmp_path, monkeypatch,
                                                  capsys) -> None:
    source = tmp_path / "deep.psbt"
    source.write_bytes(psbt_v0([foreign_input(derivation(pubkey(0), bytes(4), [1] * 256))], [[]]))
    for command in ("review", "sign"):
        code, out, err = run_cli(monkeypatch, capsys, command, str(source))
        assert (code, out) == (1, ""), err
        assert err.count("\n") == 1 and "256 steps" in err and "internal error" not in err


def test_a_huge_file_is_refused_without_being_read(vault_keystore, tmp_path, monkeypatch,
                                                   capsys) -> None:
    # 200 MB (sparse): reading it whole would take 200 MB of the Pi's 512; only 16 MiB + 1
    # byte are read before the one-line refusal.
    source = tmp_path / "huge.psbt"
    with source.open("wb") as stream:
        stream.truncate(200 * 1024 * 1024)
    tracemalloc.start()
    code, out, err = run_cli(monkeypatch, capsys, "review", str(source))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (code, out) == (1, "") and err.count("\n") == 1 and "16,777,216 bytes" in err, err
    assert peak < 40 * 1024 * 1024
