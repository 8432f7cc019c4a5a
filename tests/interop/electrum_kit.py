"""Electrum's half of the interop suite: its driver run by the system python3 (where Debian's
python3-electrum lives; never the project's .venv), a testnet airsign keystore, and an
independent script interpreter (python-bitcointx) for the transactions Electrum finishes."""

import json
import subprocess
from pathlib import Path

from interop.interop_kit import CoordinatorRefused

SYSTEM_PYTHON = "/usr/bin/python3"
DRIVER = Path(__file__).with_name("electrum_driver.py")
ELECTRUM_VERSION = "4.3.4"  # Debian's python3-electrum, pinned in scripts/interop-deps.sh
# The cosigners besides airsign: BIP-39 seeds at the BIP-48 P2WSH testnet account, typed into
# Electrum's wizard as "I already have a seed" with that derivation (tests/independent).
BIP48_P2WSH_TEST = "m/48'/1'/0'/2'"


def electrum(command: str, request: dict) -> dict:
    """`electrum_driver.py COMMAND` under the system python3; its JSON answer. Electrum
    refusing raises CoordinatorRefused with its message."""
    result = subprocess.run([SYSTEM_PYTHON, str(DRIVER), command], input=json.dumps(request),
                            capture_output=True, text=True, check=False, timeout=300)
    if result.returncode:
        lines = result.stderr.strip().splitlines() or ["(no message)"]
        raise CoordinatorRefused(lines[-1])
    return json.loads(result.stdout)


def seed_cosigner(mnemonic: str, derivation: str = BIP48_P2WSH_TEST,
                  script_type: str = "p2wsh") -> dict:
    return {"bip39_seed": mnemonic, "derivation": derivation, "script_type": script_type}


def verify_inputs(tx_hex: str, spent: dict[str, tuple[int, str]]) -> int:
    """Run every input's scripts through python-bitcointx's interpreter (P2SH, witness and
    clean-stack rules); `spent` maps "txid:vout" to (amount, scriptPubKey hex). Raises on the
    first input that fails; returns how many passed. (Imported here: python-bitcointx is the
    interop extra, installed by the `coordinators` fixture.)"""
    from bitcointx import select_chain_params
    from bitcointx.core import CMutableTransaction, CTransaction
    from bitcointx.core.script import CScript, CScriptWitness
    from bitcointx.core.scripteval import (
        SCRIPT_VERIFY_CLEANSTACK,
        SCRIPT_VERIFY_P2SH,
        SCRIPT_VERIFY_WITNESS,
        VerifyScript,
    )

    select_chain_params("bitcoin/testnet")
    flags = {SCRIPT_VERIFY_P2SH, SCRIPT_VERIFY_WITNESS, SCRIPT_VERIFY_CLEANSTACK}
    tx = CTransaction.deserialize(bytes.fromhex(tx_hex))
    for index, txin in enumerate(tx.vin):
        outpoint = f"{txin.prevout.hash[::-1].hex()}:{txin.prevout.n}"
        amount, script_pubkey = spent[outpoint]
        witness = tx.wit.vtxinwit[index].scriptWitness if tx.wit.vtxinwit else CScriptWitness()
        VerifyScript(txin.scriptSig, CScript(bytes.fromhex(script_pubkey)),
                     CMutableTransaction.from_tx(tx), index, flags=flags,
                     amount=amount, witness=witness)
    return len(tx.vin)
