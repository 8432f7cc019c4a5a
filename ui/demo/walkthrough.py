"""The main job end to end, with no screen: what `airsign demo` and the image self-test run.

Seed ceremony from fixed dice rolls -> encrypted keystore -> register the coordinator's 2-of-3
wallet -> verify a receive address -> review the coordinator's PSBT -> sign -> check every new
signature. Each step reports one line through `say`, so the same walk serves the demo's
narration and the self-test's assertions.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from embit import ec
from embit.psbt import PSBT

from signer.errors import AirsignError
from signer.keys import secp256k1_backend
from signer.keystore import Keystore, UnlockedKeystore
from signer.psbt import load_psbt, serialize_psbt
from signer.review import Review, review_psbt
from signer.settings import Settings
from signer.sign import SignResult, sign_psbt
from signer.wallet.formats import load_wallet
from signer.wallet.registry import WalletRegistry
from ui.demo.coordinator import (
    DEMO_PASSPHRASE,
    NETWORK,
    DemoCoordinator,
    demo_mnemonic,
)

Say = Callable[[str], None]


@dataclass(frozen=True)
class WalkResult:
    keystore: UnlockedKeystore
    coordinator: DemoCoordinator
    review: Review
    signed: SignResult
    unsigned_psbt: bytes
    signed_psbt: bytes


def create_demo_keystore(path: Path, say: Say) -> UnlockedKeystore:
    """A fresh throwaway testnet keystore (replacing the demo's previous one)."""
    say(f"secp256k1 backend: {secp256k1_backend()}")
    keystore = Keystore.create(path, demo_mnemonic(), DEMO_PASSPHRASE, replace=True,
                               settings=Settings(network=NETWORK))
    keystore.lock()
    keystore = Keystore.unlock(path, DEMO_PASSPHRASE)
    say(f"keystore unlocked: {path} (fingerprint {keystore.fingerprint.hex()})")
    return keystore


def register_demo_wallet(keystore: UnlockedKeystore, say: Say) -> DemoCoordinator:
    coordinator = DemoCoordinator.for_device(keystore.root())
    registry = WalletRegistry(keystore.wallet_records, keystore.settings.network)
    wallet = registry.add(load_wallet(coordinator.descriptor, name="Demo vault",
                                      network_hint=keystore.settings.network), keystore.root())
    keystore.save()
    say(f"wallet registered: {wallet.policy} ({wallet.name})")
    address = wallet.address(False, 0)
    match = registry.find_address(address)
    if match is None or (match.change, match.index) != (False, 0):
        raise AirsignError(f"the demo wallet does not find its own receive address {address}")
    say(f"receive address 0 verified: {address}")
    return coordinator


def review_and_sign(keystore: UnlockedKeystore, psbt: PSBT, say: Say) -> tuple[Review, SignResult]:
    registry = WalletRegistry(keystore.wallet_records, keystore.settings.network)
    root = keystore.root()
    review = review_psbt(psbt, root=root, wallets=registry.wallets(),
                         settings=keystore.settings, network=keystore.settings.network)
    kinds = ", ".join(f"{out.kind.value} {out.amount:,}" for out in review.outputs)
    say(f"review: {kinds}; fee {review.fee:,} sats; {len(review.warnings)} warning(s)")
    signed = sign_psbt(psbt, review, root=root, wallets=registry.wallets())
    say(f"signed inputs: {', '.join(map(str, signed.signed_inputs))}")
    return review, signed


def verify_signatures(signed_psbt: PSBT) -> int:
    """Check every partial signature against its sighash; returns how many were checked."""
    checked = 0
    for index, inp in enumerate(signed_psbt.inputs):
        for pubkey, der in inp.partial_sigs.items():
            sighash = signed_psbt.sighash(index, sighash=der[-1])
            if not pubkey.verify(ec.Signature.parse(der[:-1]), sighash):
                raise AirsignError(f"selftest: the signature on input {index} does not verify")
            checked += 1
    return checked


def walk(keystore_path: Path, say: Say) -> WalkResult:
    keystore = create_demo_keystore(keystore_path, say)
    coordinator = register_demo_wallet(keystore, say)
    unsigned = serialize_psbt(coordinator.spend_psbt())
    psbt = load_psbt(unsigned)
    review, signed = review_and_sign(keystore, psbt, say)
    return WalkResult(keystore, coordinator, review, signed, unsigned,
                      serialize_psbt(signed.psbt))
