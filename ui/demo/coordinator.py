"""A simulated coordinator for the demo and the image self-test.

It plays the part Sparrow or Specter play for a real user: it knows the two other cosigners of
a 2-of-3 testnet wallet, builds the wallet's descriptor from their keys and ours, and makes a
PSBT that spends two of the wallet's coins to an outside address with change back. Everything is
deterministic (fixed dice rolls and fixed test mnemonics), so the demo is the same every time.
All keys here are throwaway testnet keys; never send real coins to them.
"""

import hashlib
from dataclasses import dataclass

from embit import bip39
from embit.bip32 import HDKey
from embit.descriptor import Descriptor
from embit.psbt import PSBT, DerivationPath
from embit.script import address_to_scriptpubkey
from embit.transaction import Transaction, TransactionInput, TransactionOutput

from signer.keys import account_key
from signer.network import Network
from signer.scripts import ScriptType
from signer.seed.entropy import dice_entropy

# 99 rolls of a d6 (what the device's ceremony asks for 24 words): the demo device's own
# throwaway seed, made the verifiable way.
DEMO_DICE_ROLLS = ("16253443526611245362541163524413625352416634251126"
                   "4523615243163524152634125364152436152436152634125")
DEMO_PASSPHRASE = "demo passphrase"  # the keystore passphrase of the throwaway demo seed
# The other two cosigners, as the coordinator knows them (BIP-39 test-vector mnemonics).
OTHER_COSIGNERS = (
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
)
NETWORK = Network.TEST
SCRIPT_TYPE = ScriptType.P2WSH
PAYEE_ADDRESS = "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"  # BIP-173's testnet P2WPKH example


def demo_mnemonic() -> str:
    return " ".join(dice_entropy(DEMO_DICE_ROLLS, words=24).words)


@dataclass(frozen=True)
class DemoCoordinator:
    """The coordinator's view of the wallet: every cosigner's account key, and the descriptor."""

    descriptor: str  # what the coordinator shows as a QR for the device to register
    embit_descriptor: Descriptor

    @classmethod
    def for_device(cls, device_root: HDKey) -> "DemoCoordinator":
        roots = [device_root] + [HDKey.from_seed(bip39.mnemonic_to_seed(m))
                                 for m in OTHER_COSIGNERS]
        path = SCRIPT_TYPE.account_path(NETWORK)
        keys = [account_key(root, path, NETWORK).descriptor_key() + "/<0;1>/*" for root in roots]
        text = f"wsh(sortedmulti(2,{','.join(keys)}))"
        return cls(descriptor=text, embit_descriptor=Descriptor.from_string(text))

    def _derived(self, change: bool, index: int) -> Descriptor:
        return self.embit_descriptor.derive(index, branch_index=int(change))

    def spend_psbt(self, pay_sats: int = 125_000, fee_sats: int = 2_310) -> PSBT:
        """Spend receive coins 0 and 1 (100k + 80k sats): pay PAYEE_ADDRESS, change to change/0."""
        coins = [(0, 100_000), (1, 80_000)]
        change_sats = sum(amount for _, amount in coins) - pay_sats - fee_sats
        funding = []
        for index, amount in coins:
            script = self._derived(False, index).script_pubkey()
            txid = hashlib.sha256(f"demo coin {index}".encode()).digest()
            funding.append(Transaction(vin=[TransactionInput(txid, 0)],
                                       vout=[TransactionOutput(amount, script)]))
        payee = address_to_scriptpubkey(PAYEE_ADDRESS)
        change_script = self._derived(True, 0).script_pubkey()
        tx = Transaction(
            version=2,
            vin=[TransactionInput(prev.txid(), 0, sequence=0xFFFFFFFD) for prev in funding],
            vout=[TransactionOutput(pay_sats, payee),
                  TransactionOutput(change_sats, change_script)],
        )
        psbt = PSBT(tx)
        for inp, prev, (index, _) in zip(psbt.inputs, funding, coins, strict=True):
            derived = self._derived(False, index)
            inp.witness_utxo = prev.vout[0]
            inp.non_witness_utxo = prev
            inp.witness_script = derived.witness_script()
            inp.bip32_derivations.update(self._key_paths(False, index))
        change = psbt.outputs[1]
        change.witness_script = self._derived(True, 0).witness_script()
        change.bip32_derivations.update(self._key_paths(True, 0))
        return psbt

    def _key_paths(self, change: bool, index: int) -> dict:
        paths = {}
        for key in self.embit_descriptor.keys:
            child = key.key.derive([int(change), index])
            origin = key.origin
            paths[child.key] = DerivationPath(origin.fingerprint,
                                              list(origin.derivation) + [int(change), index])
        return paths
