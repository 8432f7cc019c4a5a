"""Is this wallet ours? Our fingerprint must be in it, with the key our seed derives there."""

from embit.bip32 import HDKey

from signer.errors import WalletMismatch
from signer.network import Network
from signer.scripts import format_path
from signer.wallet.model import MULTISIG_TYPES, CosignerKey, Wallet

# Accounts tried when our key turns up at another path, to say where it really belongs.
_ACCOUNTS_TO_EXPLAIN = range(5)


def check_ours(wallet: Wallet, root: HDKey) -> CosignerKey:
    """Our cosigner key in the wallet, or WalletMismatch saying what is wrong."""
    fingerprint = root.my_fingerprint
    ours = wallet.key_for_fingerprint(fingerprint)
    if ours is None:
        others = ", ".join(key.fingerprint_hex for key in wallet.keys)
        raise WalletMismatch(
            f"this wallet does not contain our key: our fingerprint is {fingerprint.hex()}, "
            f"its keys are {others} (wrong seed or BIP-39 passphrase?)"
        )
    derived = root.derive(list(ours.origin_path))
    if _same_key(derived, ours.xpub):
        return ours
    path = format_path(ours.origin_path)
    elsewhere = _where_we_derive(root, wallet, ours.xpub)
    if elsewhere is not None:
        raise WalletMismatch(
            f"the wallet lists our key at {path}, but that key is ours at "
            f"{format_path(elsewhere)}: the coordinator recorded the wrong path"
        )
    raise WalletMismatch(
        f"the key at our fingerprint {fingerprint.hex()} is not the one our seed derives at "
        f"{path}: a substituted or wrong xpub"
    )


def _same_key(derived: HDKey, xpub: HDKey) -> bool:
    return derived.sec() == xpub.sec() and derived.chain_code == xpub.chain_code


def _where_we_derive(root: HDKey, wallet: Wallet, xpub: HDKey) -> tuple[int, ...] | None:
    """The standard account path (BIP-45/48, or the wallet's type) that gives this xpub."""
    candidates = {
        script_type.account_path(network, account)
        for network in (Network.MAIN, Network.TEST)
        for script_type in (*MULTISIG_TYPES, wallet.script_type)
        for account in _ACCOUNTS_TO_EXPLAIN
    }
    for path in sorted(candidates):
        if len(path) == xpub.depth and _same_key(root.derive(list(path)), xpub):
            return path
    return None
