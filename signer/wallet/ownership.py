"""Is this wallet ours? Our fingerprint must be in it, with the key our seed derives there,
and no other of its keys may be ours too."""

import dataclasses

from embit.bip32 import HDKey

from signer.errors import WalletMismatch
from signer.network import Network
from signer.scripts import HARDENED, format_path
from signer.wallet.derivation import PrivateNode
from signer.wallet.model import MULTISIG_TYPES, CosignerKey, Wallet

# Accounts tried when our key turns up at another path, to say where it really belongs.
_ACCOUNTS_TO_EXPLAIN = range(5)
# Where this seed's other account keys live, searched for among a wallet's other cosigners:
# BIP-44/49/84/86 m/purpose'/coin'/account', BIP-48 m/48'/coin'/account'/(1'|2'), BIP-45
# m/45', accounts 0-99 on both coin types (and the levels above them).
_SINGLE_SIG_PURPOSES = (44, 49, 84, 86)
_BIP48_SCRIPT_TYPES = (1, 2)
_OUR_ACCOUNTS = range(100)


def check_ours(wallet: Wallet, root: HDKey) -> CosignerKey:
    """Our (first) cosigner key in the wallet, or WalletMismatch saying what is wrong. Every
    key at our fingerprint must be ours (a miniscript wallet may hold several)."""
    fingerprint = root.my_fingerprint
    ours = wallet.keys_for_fingerprint(fingerprint)
    if not ours:
        others = ", ".join(key.fingerprint_hex for key in wallet.keys)
        raise WalletMismatch(
            f"this wallet does not contain our key: our fingerprint is {fingerprint.hex()}, "
            f"its keys are {others} (wrong seed or BIP-39 passphrase?)"
        )
    for key in ours:
        _check_our_key(wallet, root, key)
    return ours[0]


def _check_our_key(wallet: Wallet, root: HDKey, ours: CosignerKey) -> None:
    fingerprint = root.my_fingerprint
    derived = root.derive(list(ours.origin_path))
    if _same_key(derived, ours.xpub):
        return
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


def check_one_key_ours(wallet: Wallet, root: HDKey) -> None:
    """WalletMismatch if this seed holds more than one of the keys counting toward one
    threshold (a multisig's, or one spending path's of a miniscript wallet).

    A coordinator can list another account of ours as a "second cosigner" under any
    fingerprint: the wallet then looks 2-of-3 but this one device can sign it alone. Keys
    are compared by public key, so the claimed fingerprint and path do not matter. Our key
    in different spending paths (Liana's <0;1> and <2;3>) is fine: each path counts alone.
    """
    if len(wallet.keys) < 2:
        return
    ours = our_account_keys(root)
    held = {index: key for index, key in enumerate(wallet.keys)
            if key.fingerprint == root.my_fingerprint or key.xpub.sec() in ours}
    for needed, keys in _signer_sets(wallet):
        mine = [index for index in keys if index in held]
        if len(mine) < 2 or needed < 2:
            continue
        where = "" if wallet.template is None else " of one spending path"
        listed = ", ".join(_held_key(held[index], ours) for index in mine)
        raise WalletMismatch(
            f"this device holds {len(mine)} of the {len(keys)} keys{where} ({listed}): the "
            "wallet is no safer than this one seed, refused"
        )


def _signer_sets(wallet: Wallet) -> list[tuple[int, tuple[int, ...]]]:
    """(signatures needed, key indexes) for each way the wallet can be spent."""
    if wallet.template is None:
        return [(wallet.threshold, tuple(range(len(wallet.keys))))]
    return [(sum(group.threshold for group in path.groups), tuple(sorted(path.keys)))
            for path in wallet.template.paths]


def _held_key(key: CosignerKey, ours: dict[bytes, tuple[int, ...]]) -> str:
    real = ours.get(key.xpub.sec())
    if real is None or real == key.origin_path:
        return f"{key.fingerprint_hex} {format_path(key.origin_path)}"
    return f"our {format_path(real)} listed as {key.fingerprint_hex}"


def our_account_keys(root: HDKey) -> dict[bytes, tuple[int, ...]]:
    """Public key (SEC) -> path, for this seed's standard account keys (about 1,200)."""
    h = HARDENED
    top = PrivateNode.of(root)
    found: dict[bytes, tuple[int, ...]] = {top.sec(): ()}
    found[top.hardened_child(45).sec()] = (45 + h,)
    for purpose in (*_SINGLE_SIG_PURPOSES, 48):
        purpose_node = top.hardened_child(purpose)
        found[purpose_node.sec()] = (purpose + h,)
        for coin in (0, 1):
            coin_node = purpose_node.hardened_child(coin)
            found[coin_node.sec()] = (purpose + h, coin + h)
            for account in _OUR_ACCOUNTS:
                account_path = (purpose + h, coin + h, account + h)
                account_node = coin_node.hardened_child(account)
                if purpose != 48:
                    found[account_node.sec()] = account_path
                    continue
                for script in _BIP48_SCRIPT_TYPES:
                    found[account_node.hardened_child(script).sec()] = (*account_path,
                                                                        script + h)
    return found


def with_our_origin(wallet: Wallet, root: HDKey) -> Wallet:
    """The wallet with our key's origin put back when the coordinator recorded our key without
    one (Electrum does for every key typed into its cosigner dialog): the key without an
    origin that our seed derives at a standard account path becomes [our fingerprint/path].
    Anything else comes back unchanged, for check_ours to judge."""
    if wallet.key_for_fingerprint(root.my_fingerprint) is not None:
        return wallet
    for key in wallet.keys:
        path = None if key.has_origin else _where_we_derive(root, wallet, key.xpub)
        if path is not None:
            ours = dataclasses.replace(key, fingerprint=root.my_fingerprint, origin_path=path)
            keys = tuple(ours if other is key else other for other in wallet.keys)
            return dataclasses.replace(wallet, keys=keys)
    return wallet


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
