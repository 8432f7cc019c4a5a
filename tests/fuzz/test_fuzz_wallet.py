"""Fuzz the descriptor parser and every wallet-file format (descriptor lines, Specter and
Sparrow JSON, Coldcard text, BSMS), then registration against our seed; and address
verification against a registered wallet."""

import json

from fuzzing import FUZZ, check_clean, mutated_text
from hypothesis import given
from hypothesis import strategies as st
from wallet_kit import key_expression, multisig_descriptor, root

from signer.errors import AirsignError
from signer.network import Network
from signer.scripts import ScriptType
from signer.wallet.descriptor import parse_descriptor
from signer.wallet.formats import load_wallet
from signer.wallet.model import Wallet
from signer.wallet.registry import WalletRegistry

VAULT = multisig_descriptor()
SEEDS = [
    VAULT,
    load_wallet(VAULT).descriptor(),  # with its checksum
    multisig_descriptor(script_type=ScriptType.P2SH_P2WSH, suffix="/0/*"),
    multisig_descriptor(script_type=ScriptType.P2SH, function="multi"),
    "wpkh(" + key_expression(0, script_type=ScriptType.P2WPKH,
                             path=ScriptType.P2WPKH.account_path(Network.TEST, 0)) + ")",
    json.dumps({"label": "vault", "blockheight": 0, "descriptor": VAULT}),
    json.dumps({"name": "vault", "descriptor": VAULT, "devices": [{"type": "other"}]}),
    "# Coldcard Multisig setup file\nName: vault\nPolicy: 2 of 3\nDerivation: m/48'/1'/0'/2'\n"
    "Format: P2WSH\n" + "".join(
        f"{key_expression(i).split(']')[0][1:9].upper()}: "
        f"{key_expression(i).split(']')[1].split('/')[0]}\n" for i in range(3)),
    f"BSMS 1.0\n{VAULT}\n/0/*,/1/*\n" + load_wallet(VAULT).address(False, 0),
]


def register(text: str) -> None:
    try:
        parse_descriptor(text)
    except AirsignError as error:
        check_clean(error)
    try:
        wallet = load_wallet(text, network_hint=Network.TEST)
        WalletRegistry([], Network.TEST).add(wallet, root(0))
    except AirsignError as error:
        check_clean(error)


@FUZZ
@given(st.one_of(mutated_text(SEEDS), st.text(max_size=400)))
def test_fuzz_wallet_files(text: str) -> None:
    register(text)


REGISTRY = WalletRegistry([], Network.TEST)
REGISTRY.add(load_wallet(VAULT, name="vault", network_hint=Network.TEST), root(0))
SAVINGS: Wallet = load_wallet(multisig_descriptor(script_type=ScriptType.P2SH_P2WSH),
                              network_hint=Network.TEST)
VAULT_WALLET = REGISTRY.wallets()[0]
ADDRESSES = [VAULT_WALLET.address(False, 0), VAULT_WALLET.address(True, 1).upper(),
             SAVINGS.address(False, 0), "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
             "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"]


@FUZZ
@given(st.one_of(mutated_text(ADDRESSES), st.text(max_size=90)))
def test_fuzz_address_verification(text: str) -> None:
    verify_address(text)


def verify_address(text: str) -> None:
    """`airsign address verify` / the verify-address screen with a scanned address."""
    try:
        REGISTRY.find_address(text, gap=3)
    except AirsignError as error:
        check_clean(error)

