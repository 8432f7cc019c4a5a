"""Cosigner key exports: what a coordinator needs to add this device to a multisig wallet.

- `origin`: the key expression `[fingerprint/48h/0h/0h/2h]xpub...` (tpub on test networks;
  SLIP-132 Zpub/Vpub... only when asked). Specter, Sparrow, Nunchuk, Bitcoin Core, Electrum.
- `json`: the same as a small JSON object (fingerprint, path, xpub, script type, network),
  with the field names BlueWallet's cosigner import reads (`xfp`, `xpub`, `path`).
- `ur`: UR crypto-account (BCR-2020-015, in its first revision's form that Keystone's
  registry and BlueWallet read), what Sparrow, Nunchuk, Keeper and Keystone-style
  coordinators scan.
- `electrum`: the key alone, its version bytes naming the script type (Vpub/Zpub for P2WSH,
  Upub/Ypub for P2SH-P2WSH, tpub/xpub for P2SH...): the only form Electrum's cosigner dialog
  takes (it refuses an origin and reads a bare xpub/tpub as P2SH). Electrum then records the
  key without an origin; registering its wallet file puts ours back (wallet.ownership).
- `coldcard-json`: Coldcard's multisig export file (`ccxp-XXXXXXXX.json`): p2sh (BIP-45,
  account 0 only), p2sh_p2wsh and p2wsh (BIP-48) xpubs with their derivations, the account and
  the xfp. Sparrow, Specter, Nunchuk, Caravan and Coldcard itself read it.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from embit import base58
from embit.bip32 import HDKey

from signer.errors import UsageError
from signer.keys import AccountKey, account_key, master_fingerprint
from signer.network import Network
from signer.scripts import HARDENED, ScriptType, format_path
from signer.transport.ur import UR
from signer.transport.urtypes import AccountOutput, account_to_ur

# SLIP-132 version names (embit's network tables give mainnet and testnet bytes for each).
SLIP132_VERSION = {
    ScriptType.P2WSH: "Zpub",
    ScriptType.P2SH_P2WSH: "Ypub",
    ScriptType.P2WPKH: "zpub",
    ScriptType.P2SH_P2WPKH: "ypub",
}
# The version Electrum reads each script type from (its wallets have no taproot).
ELECTRUM_VERSION = {**SLIP132_VERSION, ScriptType.P2SH: "xpub", ScriptType.P2PKH: "xpub"}
# Coldcard's export: (field prefix, script type), in the order Coldcard writes them.
COLDCARD_FIELDS = (("p2sh", ScriptType.P2SH), ("p2sh_p2wsh", ScriptType.P2SH_P2WSH),
                   ("p2wsh", ScriptType.P2WSH))
MAX_ACCOUNT = HARDENED - 1


class ExportFormat(StrEnum):
    ORIGIN = "origin"
    JSON = "json"
    UR = "ur"
    ELECTRUM = "electrum"
    COLDCARD_JSON = "coldcard-json"


@dataclass(frozen=True)
class CosignerExport:
    """One account key with what it is for."""

    key: AccountKey
    script: ScriptType | None  # None for a custom --path
    network: Network

    @property
    def fingerprint(self) -> bytes:
        return self.key.origin.fingerprint

    @property
    def path(self) -> tuple[int, ...]:
        return self.key.origin.path

    def xpub_text(self, slip132: bool = False) -> str:
        if not slip132:
            return self.key.xpub
        if self.script not in SLIP132_VERSION:
            raise UsageError(f"SLIP-132 has no prefix for {self.script or 'a custom path'}; "
                             "export it as xpub/tpub")
        return slip132_key(self.key.xpub, self.script, self.network)

    def electrum_text(self) -> str:
        """The key as Electrum's cosigner dialog (and wallet wizard) takes it."""
        if self.script is None:
            raise UsageError("Electrum tells the script type from the key's prefix: export a "
                             "standard path (--script), not --path")
        if self.script not in ELECTRUM_VERSION:
            raise UsageError(f"Electrum has no {self.script} wallets")
        return slip132_key(self.key.xpub, self.script, self.network, ELECTRUM_VERSION)

    def origin_text(self, slip132: bool = False) -> str:
        return f"{self.key.origin}{self.xpub_text(slip132)}"

    def json_text(self, slip132: bool = False) -> str:
        return json.dumps({
            "xfp": self.fingerprint.hex().upper(),
            "network": self.network.value,
            "script_type": self.script.value if self.script else "custom",
            "derivation": format_path(self.path),
            # BlueWallet's cosigner import reads "xfp", "xpub" and "path" (apostrophes).
            "path": format_path(self.path, hardened_marker="'"),
            "xpub": self.xpub_text(slip132),
            "key": self.origin_text(),
        }, indent=2) + "\n"


def account_number(account: int) -> int:
    if not 0 <= account <= MAX_ACCOUNT:
        raise UsageError(f"the account number must be between 0 and {MAX_ACCOUNT}")
    return account


def cosigner_export(root: HDKey, network: Network, script: ScriptType = ScriptType.P2WSH,
                    account: int = 0, path: Sequence[int] | None = None) -> CosignerExport:
    """The account key for `script` at its standard path (or at `path` when given)."""
    chosen = tuple(path) if path is not None else script.account_path(
        network, account_number(account))
    return CosignerExport(account_key(root, chosen, network), None if path is not None
                          else script, network)


def slip132_key(xpub: str, script: ScriptType, network: Network,
                versions: dict[ScriptType, str] = SLIP132_VERSION) -> str:
    """Re-label an xpub/tpub with its SLIP-132 version (Zpub, Vpub, Ypub, Upub, ...)."""
    raw = base58.decode_check(xpub)
    version = network.params[versions[script]]
    return base58.encode_check(version + raw[4:])


def account_ur(root: HDKey, network: Network, scripts: Sequence[ScriptType],
               account: int = 0) -> UR:
    """UR crypto-account with one output per script type (multisig ones as cosigner())."""
    outputs = []
    for script in scripts:
        export = cosigner_export(root, network, script, account)
        outputs.append(AccountOutput(script, export.key.xpub, export.path, network))
    return account_to_ur(master_fingerprint(root), outputs)


def coldcard_json(root: HDKey, network: Network, account: int = 0,
                  slip132: bool = False) -> str:
    """Coldcard's multisig xpub export, field for field. Coldcard writes the BIP-48 keys in
    SLIP-132 (Ypub/Zpub); slip132=False writes plain xpub/tpub, which coordinators prefer."""
    account_number(account)
    fields: dict[str, str] = {}
    for name, script in COLDCARD_FIELDS:
        if script is ScriptType.P2SH and account:
            continue  # BIP-45 has no account level: Coldcard leaves it out for account > 0
        export = cosigner_export(root, network, script, account)
        fields[f"{name}_deriv"] = format_path(export.path, hardened_marker="'")
        fields[name] = export.xpub_text(slip132 and script in SLIP132_VERSION)
    fields["account"] = str(account)
    fields["xfp"] = master_fingerprint(root).hex().upper()
    return json.dumps(fields, indent=2) + "\n"
