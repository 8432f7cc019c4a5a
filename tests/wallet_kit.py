"""Deterministic cosigners for the wallet tests: seeds from the BIP-39 test-vector mnemonics."""

from functools import cache

from embit import bip39
from embit.bip32 import HDKey

from signer.network import Network
from signer.scripts import ScriptType, format_path

# Three mnemonics from the BIP-39 English vectors (trezor/python-mnemonic vectors.json).
MNEMONICS = (
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    "legal winner thank year wave sausage worth useful legal winner thank yellow",
    "letter advice cage absurd amount doctor acoustic avoid letter advice cage above",
    "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
    "jelly better achieve collect unaware mountain thought cargo oxygen act hood bridge",
)


@cache
def root(index: int) -> HDKey:
    return HDKey.from_seed(bip39.mnemonic_to_seed(MNEMONICS[index]))


def key_expression(
    index: int,
    network: Network = Network.TEST,
    script_type: ScriptType = ScriptType.P2WSH,
    suffix: str = "/<0;1>/*",
    path: tuple[int, ...] | None = None,
) -> str:
    """`[fp/48h/1h/0h/2h]tpub.../<0;1>/*` for cosigner `index`."""
    origin = path if path is not None else script_type.account_path(network, 0)
    xpub = root(index).derive(list(origin)).to_public(version=network.params["xpub"])
    origin_text = format_path(origin).replace("m", root(index).my_fingerprint.hex(), 1)
    return f"[{origin_text}]{xpub.to_base58()}{suffix}"


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
    inner = f"{function}({threshold},{keys})"
    wrapper = {
        ScriptType.P2WSH: "wsh({})",
        ScriptType.P2SH_P2WSH: "sh(wsh({}))",
        ScriptType.P2SH: "sh({})",
    }[script_type]
    return wrapper.format(inner)
