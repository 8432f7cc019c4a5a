"""Review cost of the worst PSBTs that fit within the loader's limits (signer/psbt.py).

Run as `.venv/bin/python -m bench.limits`. Each shape fills one limit as far as it goes
(size, inputs, outputs, fields per map, key derivations, distinct derivation steps), aimed at
one costly part of the review (re-deriving keys from our root, from the wallets' xpubs,
wallet scripts, embedded previous transactions, taproot trees, signatures). Each PSBT is
built here with an independent BIP-174 serialiser (tests/independent/sighash.py) and
coordinator, never with airsign's code, then loaded and reviewed for the device of the
hostile corpus (cosigner 0 on testnet with the "vault" and "savings" wallets) in a fresh
process, so that its peak RSS is its own.

Targets (docs/SECURITY.md, "Bounded work on hostile input"): every shape within 2 s of CPU
and 100 MiB peak RSS here. The Pi Zero 2 W column multiplies the CPU time by bench.keystore's
PI_ZERO_2W_SLOWDOWN (12x, docs/keystore.md): the work is one core's CPython bytecode and
libsecp256k1 calls, and a Cortex-A53 at 1 GHz (in order, small caches) runs such code about
8-12 times slower than this 3 GHz x86-64 core; the slow end is taken. Memory does not scale:
the Pi's 512 MB hold the measured peak several times over.
"""

import hashlib
import platform
import subprocess
import sys
import time
from collections.abc import Callable

from embit.ec import PrivateKey

from bench.keystore import PI_ZERO_2W_SLOWDOWN, cpu_model
from signer.psbt import (
    DEFAULT_MAX_SIZE,
    MAX_DERIVATION_STEPS,
    MAX_INPUTS,
    MAX_KEY_DERIVATIONS,
    MAX_MAP_ENTRIES,
    MAX_OUTPUTS,
    MAX_SIGNATURES,
)
from signer.scripts import HARDENED
from tests.attacks.hostile_psbts import vault
from tests.independent.coordinator import Pay, Spend, build_psbt, external_script, root
from tests.independent.sighash import read_maps_in_order, varint, write_maps

TARGET_SECONDS, TARGET_MIB = 2.0, 100
KeyValues = list[tuple[bytes, bytes]]

# --- an independent raw PSBT writer ---------------------------------------------------------


def _pubkeys(count: int) -> list[bytes]:
    """`count` distinct valid compressed public keys (secrets are hashes of their index)."""
    return [PrivateKey(hashlib.sha256(b"bench key %d" % i).digest()).sec()
            for i in range(count)]


def _path(fingerprint: bytes, steps: list[int]) -> bytes:
    return fingerprint + b"".join(step.to_bytes(4, "little") for step in steps)


def _utxo(amount: int, script: bytes) -> bytes:
    return amount.to_bytes(8, "little") + varint(len(script)) + script


FOREIGN_SCRIPT = b"\x00\x20" + hashlib.sha256(b"somebody else").digest()


def _psbt(inputs: list[KeyValues], outputs: list[tuple[int, bytes, KeyValues]]) -> bytes:
    """A PSBTv0 spending one foreign coin per input map, paying the given outputs."""
    tx = (2).to_bytes(4, "little") + varint(len(inputs))
    for number in range(len(inputs)):
        tx += hashlib.sha256(b"coin %d" % number).digest() + bytes(4) + b"\x00"
        tx += (0xFFFFFFFD).to_bytes(4, "little")
    tx += varint(len(outputs))
    for amount, script, _ in outputs:
        tx += _utxo(amount, script)
    tx += bytes(4)
    return write_maps([(b"\x00", tx)], inputs, [fields for _, _, fields in outputs])


def _foreign_inputs(entries: list[tuple[bytes, bytes]], per_map: int) -> list[KeyValues]:
    """Input maps of a foreign coin, each carrying `per_map` of the given (key, value)s."""
    maps = []
    for start in range(0, len(entries), per_map):
        maps.append([(b"\x01", _utxo(100_000, FOREIGN_SCRIPT)), *entries[start:start + per_map]])
    return maps


def _fill(entry_size: int, overhead: int) -> int:
    """How many entries of this size fit beside `overhead` bytes within the size limit."""
    return (DEFAULT_MAX_SIZE - overhead) // entry_size


PER_MAP = MAX_MAP_ENTRIES - 1  # beside the witness UTXO
PAY = [(1_000, external_script().data, [])]

# --- the shapes ----------------------------------------------------------------------------


def deep_hidden_paths() -> bytes:
    """Zero fingerprints on 255-step paths: each distinct step costs a derivation from our
    root (is this key ours in a wallet we do not know?). As many entries as fit in the size
    limit, over as many distinct steps as the step limit allows."""
    entry = 1 + 34 + 3 + 4 + 4 * 255
    count = _fill(entry, 20_000)
    branches = MAX_DERIVATION_STEPS // 255
    keys = _pubkeys(PER_MAP)
    entries = [(b"\x06" + keys[n % PER_MAP],
                _path(bytes(4), [n % branches] + list(range(1, 255)))) for n in range(count)]
    return _psbt(_foreign_inputs(entries, PER_MAP), PAY)


def hidden_address_keys() -> bytes:
    """Zero fingerprints on short 0/i paths, every i new: each is checked against every key
    of every registered wallet at that index (by_pubkey), and against our root."""
    count = min(MAX_KEY_DERIVATIONS, MAX_DERIVATION_STEPS - 1)
    keys = _pubkeys(PER_MAP)
    entries = [(b"\x06" + keys[n % PER_MAP], _path(bytes(4), [0, n])) for n in range(count)]
    return _psbt(_foreign_inputs(entries, PER_MAP), PAY)


def claimed_vault_indices() -> bytes:
    """Our fingerprint at the vault's path, every index new: each names a vault position
    whose script has to be derived (three keys) to be compared."""
    key = vault().wallet.key_for_fingerprint(root(0).my_fingerprint)
    assert key is not None
    count = min(MAX_KEY_DERIVATIONS, MAX_DERIVATION_STEPS - len(key.origin_path) - 2)
    keys = _pubkeys(PER_MAP)
    entries = [(b"\x06" + keys[n % PER_MAP],
                _path(key.fingerprint, [*key.origin_path, n % 2, n // 2]))
               for n in range(count)]
    return _psbt(_foreign_inputs(entries, PER_MAP), PAY)


def own_single_sig_accounts() -> bytes:
    """Our fingerprint at BIP-44/49/84/86 paths of every account the matcher recognises
    (0-99), on new addresses: each account is one of our own single-sig wallets, derived from
    the root, and each address one more script."""
    purposes, accounts = (44, 49, 84, 86), 100
    count = MAX_DERIVATION_STEPS - len(purposes) * (2 + 2 * accounts)
    keys = _pubkeys(PER_MAP)
    fingerprint = root(0).my_fingerprint
    entries = []
    for n in range(count):
        purpose, account = purposes[n % 4], (n // 4) % accounts
        steps = [purpose + HARDENED, 1 + HARDENED, account + HARDENED, n % 2, n // 800]
        entries.append((b"\x06" + keys[n % PER_MAP], _path(fingerprint, steps)))
    return _psbt(_foreign_inputs(entries, PER_MAP), PAY)


def hidden_deep_and_new() -> bytes:
    """Both hidden-fingerprint costs in one PSBT: half the step limit on deep paths (derived
    from our root), the rest on new addresses (tried against every wallet key)."""
    keys = _pubkeys(PER_MAP)
    branches = MAX_DERIVATION_STEPS // 2 // 255
    paths = [[n, *range(1, 255)] for n in range(branches)]
    paths += [[0, n] for n in range(MAX_DERIVATION_STEPS - branches * 255 - 1)]
    entries = [(b"\x06" + keys[n % PER_MAP], _path(bytes(4), path))
               for n, path in enumerate(paths)]
    return _psbt(_foreign_inputs(entries, PER_MAP), PAY)


def most_vault_inputs() -> bytes:
    """The most inputs allowed, all the vault's, each with its previous transaction: an
    honest consolidation at the input limit (every input re-derived and checked)."""
    spends = [Spend(vault(), n % 2 == 1, n, 10_000) for n in range(MAX_INPUTS)]
    total = 10_000 * MAX_INPUTS
    return build_psbt(spends, [Pay(total // 2, external_script()),
                               Pay(total // 4, wallet=vault(), index=MAX_INPUTS)]).serialize()


def most_change_outputs() -> bytes:
    """The most outputs allowed, each claiming to be vault change at a new index with all
    three cosigners' derivations."""
    derivations = vault().derivations
    outputs = []
    for n in range(MAX_OUTPUTS):
        fields = [(b"\x02" + pub.sec(), der.serialize())
                  for pub, der in derivations(True, n).items()]
        outputs.append((1_000, vault().derive(True, n).script_pubkey().data, fields))
    return _psbt([[(b"\x01", _utxo(10_000_000, FOREIGN_SCRIPT))]], outputs)


def junk_signatures() -> bytes:
    """The most signatures allowed, as taproot script-path signatures under distinct keys on
    foreign taproot inputs: each is verified (a tagged sighash and a BIP-340 check)."""
    keys = [key[1:] for key in _pubkeys(PER_MAP)]
    leaf = hashlib.sha256(b"a leaf").digest()
    output_key = b"\x51\x20" + hashlib.sha256(b"their taproot output").digest()
    entries = [(b"\x14" + keys[n % PER_MAP] + leaf, bytes(range(64)))
               for n in range(MAX_SIGNATURES)]
    maps = _foreign_inputs(entries, PER_MAP)
    for fields in maps:
        fields[0] = (b"\x01", _utxo(100_000, output_key))
    return _psbt(maps, PAY)


def junk_signatures_on_our_inputs() -> bytes:
    """Vault inputs filled to the field limit with partial signatures under strangers' keys,
    up to the signature limit: every signature on our inputs is verified over the
    transaction (only valid ones count as signed), and each failure is a warning."""
    signature = bytes.fromhex("3044" + "0220" + "11" * 32 + "0220" + "22" * 32) + b"\x01"
    count = -(-MAX_SIGNATURES // (MAX_MAP_ENTRIES - 10))
    spend = build_psbt([Spend(vault(), False, n, 10_000) for n in range(count)],
                       [Pay(10_000 * count // 2, external_script())])
    global_map, inputs, outputs = read_maps_in_order(spend.serialize())
    keys = _pubkeys(MAX_MAP_ENTRIES)
    room = MAX_SIGNATURES
    for fields in inputs:
        added = min(MAX_MAP_ENTRIES - len(fields), room)
        fields += [(b"\x02" + key, signature) for key in keys[:added]]
        room -= added
    return write_maps(global_map, inputs, outputs)


def widest_tap_tree() -> bytes:
    """An output taproot tree of 2^19 empty leaves (the most a power of two fits in the size
    limit): every leaf is read to check the tree's shape."""
    depth = 19
    tree = bytes([depth, 0xC0, 0]) * (1 << depth)
    output_key = b"\x51\x20" + hashlib.sha256(b"tap output").digest()
    return _psbt([[(b"\x01", _utxo(100_000, FOREIGN_SCRIPT))]],
                 [(1_000, output_key, [(b"\x06", tree)])])


def biggest_previous_tx() -> bytes:
    """One input whose previous transaction fills the size limit with outputs."""
    outputs = (DEFAULT_MAX_SIZE - 20_000) // 32
    tx = (2).to_bytes(4, "little") + b"\x01" + bytes(36) + b"\x00" + bytes(4)
    tx += varint(outputs) + _utxo(1_000, b"\x00\x14" + bytes(20)) * outputs + bytes(4)
    txid = hashlib.sha256(hashlib.sha256(tx).digest()).digest()
    unsigned = (2).to_bytes(4, "little") + b"\x01" + txid + bytes(4) + b"\x00"
    unsigned += (0xFFFFFFFD).to_bytes(4, "little") + b"\x01" + _utxo(500, PAY[0][1]) + bytes(4)
    return write_maps([(b"\x00", unsigned)], [[(b"\x00", tx)]], [[]])


SHAPES: tuple[tuple[str, Callable[[], bytes]], ...] = (
    ("deep-hidden-paths", deep_hidden_paths),
    ("hidden-address-keys", hidden_address_keys),
    ("claimed-vault-indices", claimed_vault_indices),
    ("hidden-deep-and-new", hidden_deep_and_new),
    ("own-single-sig-accounts", own_single_sig_accounts),
    ("most-vault-inputs", most_vault_inputs),
    ("most-change-outputs", most_change_outputs),
    ("junk-signatures", junk_signatures),
    ("junk-signatures-on-ours", junk_signatures_on_our_inputs),
    ("widest-tap-tree", widest_tap_tree),
    ("biggest-previous-tx", biggest_previous_tx),
)

# --- measuring ------------------------------------------------------------------------------

# Runs in a fresh interpreter: loads and reviews the PSBT on stdin, prints the outcome, the
# CPU seconds of load + review, and the process's peak RSS (VmHWM) in KiB.
CHILD = """
import pathlib, sys, time
from signer.errors import AirsignError
from signer.network import Network
from signer.psbt import load_psbt
from signer.review import review_psbt
from signer.settings import Settings
from tests.attacks.hostile_psbts import registered
from tests.independent.coordinator import root

raw = sys.stdin.buffer.read()
device, wallets = root(0), [w.wallet for w in registered(Network.TEST)]
start = time.process_time()
try:
    review = review_psbt(load_psbt(raw), root=device, wallets=wallets,
                         settings=Settings(network=Network.TEST), network=Network.TEST)
    outcome = f"reviewed ({len(review.warnings)} warnings)"
except AirsignError as error:
    outcome = type(error).__name__
seconds = time.process_time() - start
status = pathlib.Path("/proc/self/status").read_text()
print(outcome, seconds, status.split("VmHWM:")[1].split()[0], sep="\\t")
"""


def measure(raw: bytes) -> tuple[str, float, float]:
    """(outcome, CPU seconds of load + review, peak RSS MiB of the whole process)."""
    result = subprocess.run([sys.executable, "-c", CHILD], input=raw, capture_output=True,
                            check=True)
    outcome, seconds, kib = result.stdout.decode().strip().split("\t")
    return outcome, float(seconds), int(kib) / 1024


def main() -> None:
    print(f"Worst PSBTs within the loader's limits: load + review in a fresh process; "
          f"Pi Zero 2 W projected at {PI_ZERO_2W_SLOWDOWN:g}x the CPU time")
    header = (f"{'shape':<24} {'bytes':>9} {'outcome':<26} {'CPU s':>6} {'peak MiB':>8} "
              f"{'Pi 02W s':>8}  target")
    print(header)
    print("-" * len(header))
    for name, build in SHAPES:
        raw = build()
        outcome, seconds, peak = measure(raw)
        ok = seconds <= TARGET_SECONDS and peak <= TARGET_MIB
        print(f"{name:<24} {len(raw):>9,} {outcome:<26} {seconds:>6.2f} {peak:>8.0f} "
              f"{seconds * PI_ZERO_2W_SLOWDOWN:>8.1f}  {'ok' if ok else 'MISSED'}")
    print(f"peak MiB: the reviewing process's whole peak RSS (interpreter and libraries "
          f"included); target <= {TARGET_SECONDS:g} s and <= {TARGET_MIB} MiB here. Measured "
          f"{time.strftime('%Y-%m-%d %H:%M')} on {platform.machine()} ({cpu_model()})")


if __name__ == "__main__":
    main()
