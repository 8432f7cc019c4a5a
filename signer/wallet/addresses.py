"""Addresses back to output scripts, with the networks they can belong to."""

from dataclasses import dataclass

from embit import base58, bech32
from embit.script import Script

from signer.errors import InvalidAddress
from signer.network import Network


@dataclass(frozen=True)
class DecodedAddress:
    script_pubkey: Script
    networks: frozenset[Network]  # tb1 and base58 test prefixes fit test, signet and regtest

    @property
    def network_label(self) -> str:
        return "mainnet" if self.networks == {Network.MAIN} else "a test network"


def decode_address(address: str) -> DecodedAddress:
    text = address.strip()
    hrp = text.lower().rpartition("1")[0]
    by_hrp = [net for net in Network if net.params["bech32"] == hrp]
    if by_hrp:
        version, program = bech32.decode(hrp, text)
        if version is None:
            raise InvalidAddress(f"{text!r} is not a valid address (bech32 checksum or length)")
        opcode = version + 0x50 if version else 0
        script = Script(bytes([opcode, len(program), *program]))
        return DecodedAddress(script, frozenset(by_hrp))
    try:
        raw = base58.decode_check(text)
    except ValueError:
        raise InvalidAddress(f"{text!r} is not a valid address") from None
    if len(raw) != 21:
        raise InvalidAddress(f"{text} is not a valid address (wrong length)")
    prefix, payload = raw[:1], raw[1:]
    p2pkh = frozenset(net for net in Network if net.params["p2pkh"] == prefix)
    p2sh = frozenset(net for net in Network if net.params["p2sh"] == prefix)
    if p2sh:
        return DecodedAddress(Script(b"\xa9\x14" + payload + b"\x87"), p2sh)
    if p2pkh:
        return DecodedAddress(Script(b"\x76\xa9\x14" + payload + b"\x88\xac"), p2pkh)
    raise InvalidAddress(f"{text} is not a Bitcoin address (unknown prefix)")
