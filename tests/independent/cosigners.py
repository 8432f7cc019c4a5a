"""The deterministic cosigners every test and benchmark uses: seeds from the BIP-39 English
test-vector mnemonics (trezor/python-mnemonic vectors.json), keys derived with embit alone,
descriptor text written from BIP-380..386 here rather than by airsign's Wallet.

Importable as `independent.cosigners` (tests) and `tests.independent.cosigners` (bench).
"""

from functools import cache

from embit import bip39
from embit.bip32 import HDKey

from signer.network import Network
from signer.scripts import ScriptType, format_path

MNEMONICS = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
    "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
    "jelly better achieve collect unaware mountain thought cargo oxygen act hood bridge",
)
# The script expression around the key part, per BIP-381 (sh, pkh), 382 (wsh, wpkh), 386 (tr).
DESCRIPTOR_WRAPPERS = {
    ScriptType.P2WSH: "wsh({})",
    ScriptType.P2SH_P2WSH: "sh(wsh({}))",
    ScriptType.P2SH: "sh({})",
    ScriptType.P2WPKH: "wpkh({})",
    ScriptType.P2SH_P2WPKH: "sh(wpkh({}))",
    ScriptType.P2PKH: "pkh({})",
    ScriptType.P2TR: "tr({})",
}


@cache
def root(index: int) -> HDKey:
    return HDKey.from_seed(bip39.mnemonic_to_seed(MNEMONICS[index]))


def account_xpub(index: int, origin: tuple[int, ...], network: Network) -> HDKey:
    """Cosigner `index`'s public key at `origin`, with the network's xpub/tpub version."""
    return root(index).derive(list(origin)).to_public(version=network.params["xpub"])


def key_expression(
    index: int,
    network: Network = Network.TEST,
    script_type: ScriptType = ScriptType.P2WSH,
    suffix: str = "/<0;1>/*",
    path: tuple[int, ...] | None = None,
) -> str:
    """`[fp/48h/1h/0h/2h]tpub.../<0;1>/*` for cosigner `index`."""
    origin = path if path is not None else script_type.account_path(network, 0)
    origin_text = format_path(origin).replace("m", root(index).my_fingerprint.hex(), 1)
    return f"[{origin_text}]{account_xpub(index, origin, network).to_base58()}{suffix}"


def multisig_descriptor(
    cosigners: tuple[int, ...] = (0, 1, 2),
    *,
    threshold: int = 2,
    network: Network = Network.TEST,
    script_type: ScriptType = ScriptType.P2WSH,
    function: str = "sortedmulti",
    suffix: str = "/<0;1>/*",
) -> str:
    """A descriptor without checksum, e.g. wsh(sortedmulti(2,A,B,C))."""
    keys = ",".join(key_expression(i, network, script_type, suffix) for i in cosigners)
    return DESCRIPTOR_WRAPPERS[script_type].format(f"{function}({threshold},{keys})")
