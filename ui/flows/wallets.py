"""Wallets: register a scanned one (policy with every cosigner, ours marked), list, details,
receive addresses, and verify a scanned address. (Imported only when a wallet flow starts:
embit is not needed for the first screen.)"""

from signer.errors import AirsignError
from signer.scripts import format_path
from signer.transport.types import Payload
from signer.wallet.formats import load_wallet
from signer.wallet.model import Wallet
from signer.wallet.registry import WalletRegistry
from ui import theme
from ui.flows import Destination, FlowContext, go
from ui.screens.address import AddressScreen, AddressView
from ui.screens.base import Button
from ui.screens.facts import Fact, FactsScreen, FactsView
from ui.screens.menu import MenuItem, MenuScreen, MenuView
from ui.widgets import address_groups

KEY_HEAD, KEY_TAIL = 10, 6  # characters kept at each end of an abbreviated extended key


def _registry(ctx: FlowContext) -> WalletRegistry:
    return WalletRegistry(ctx.keystore.wallet_records, ctx.settings.network)


def abbreviated_key(text: str) -> str:
    """tpubDFH9dg…ntpyQk: the ends of an extended key, as coordinators list cosigners."""
    return f"{text[:KEY_HEAD]}…{text[-KEY_TAIL:]}"


def policy_facts(wallet: Wallet, our_fingerprint: bytes) -> tuple[Fact, ...]:
    """Name, policy, every cosigner (path, fingerprint and key, ours marked), network."""
    facts = [
        Fact("Name", wallet.name),
        Fact("Policy", f"{wallet.policy} · {wallet.script_type.value}"),
    ]
    if wallet.is_miniscript:  # each spending path in words, before the keys it names
        facts += [Fact(f"Path {number}", words) for number, words in
                  enumerate(wallet.path_words(our_fingerprint), start=1)]
        if wallet.template is not None and wallet.template.is_taproot and \
                not wallet.has_key_path:
            facts.append(Fact("Key path", "none: the internal key is unspendable (BIP-341's H)"))
    # A miniscript wallet's keys, as its paths name them ("key 4"): one seed may hold several,
    # on other chains than <0;1> (said with the fingerprint: the label has the YOU marker).
    who = "Key" if wallet.is_miniscript else "Cosigner"
    for number, key in enumerate(wallet.keys, start=1):
        ours = key.fingerprint == our_fingerprint
        chains = "" if key.chains == (0, 1) else f" · /<{key.chains[0]};{key.chains[1]}>/*"
        facts.append(Fact(f"{who} {number} · {format_path(key.origin_path)}",
                          f"{key.fingerprint_hex}{chains}\n"
                          f"{abbreviated_key(key.xpub.to_base58())}",
                          theme.SUCCESS if ours else theme.TEXT, marker="YOU" if ours else ""))
    return (*facts, Fact("Network", wallet.network.value))


def register(ctx: FlowContext, payload: Payload) -> Destination | None:
    """The wallet as the coordinator should show it (policy, every cosigner, the first
    receive address) so the user compares before accepting; one of another network is
    refused before any of its addresses is drawn."""
    from ui.flows.home import home

    wallet = load_wallet(payload.data, network_hint=ctx.settings.network)
    if wallet.network is not ctx.settings.network:
        from ui.flows.network import NAMES, wrong_network

        return go(wrong_network, theirs=wallet.network,
                  outcome=f"This wallet is for {NAMES[wallet.network]}; the device is set to "
                          f"{NAMES[ctx.settings.network]}. It is not registered.")
    try:  # refused before asking: our key twice, a name in use, already registered
        wallet = _registry(ctx).check(wallet, ctx.root())
    except AirsignError as exc:
        ctx.message("Refused", str(exc), tone="danger")
        return go(home)
    first = " ".join(address_groups(wallet.address(False, 0)))
    *facts, network = policy_facts(wallet, ctx.fingerprint())
    facts = (*facts, Fact("Receive #0", first, theme.INFO), network)
    view = FactsView("Register?", facts,
                     (Button("Cancel", "cancel"), Button("Register", "register")),
                     back_action="cancel")
    if ctx.show(FactsScreen(view)).action != "register":
        return go(home)
    try:
        wallet = _registry(ctx).add(wallet, ctx.root())
        ctx.keystore.save()
    except AirsignError as exc:
        ctx.keystore.wallet_records[:] = [r for r in ctx.keystore.wallet_records
                                          if r.get("name") != wallet.name]
        ctx.message("Refused", str(exc), tone="danger")
        return go(home)
    ctx.message("Registered", f"{wallet.name} ({wallet.policy}) is registered.", tone="success")
    return go(home)


def verify_address(ctx: FlowContext, address: str) -> Destination | None:
    from ui.flows.home import home

    match = _registry(ctx).find_address(address)
    if match is None:
        view = AddressView("Address", address, "NOT OURS", theme.DANGER,
                           details=("Not found in any registered wallet "
                                    "(first 1,000 receive and change addresses).",),
                           buttons=(Button("Done", "done"),))
    else:
        view = AddressView("Address", address, "OURS", theme.SUCCESS,
                           details=(f"{match.wallet.name} · {match.chain} #{match.index}",),
                           buttons=(Button("Done", "done"),))
    ctx.show(AddressScreen(view))
    return go(home)


def wallet_list(ctx: FlowContext) -> Destination | None:
    from ui.flows.home import home

    wallets = _registry(ctx).wallets()
    if not wallets:
        ctx.message("Wallets", "No wallet yet: scan a wallet descriptor from your coordinator.")
        return go(home)
    items = tuple(MenuItem(w.name, str(i), w.policy) for i, w in enumerate(wallets))
    choice = ctx.show(MenuScreen(MenuView("Wallets", items)))
    if choice.action == "back":
        return go(home)
    return go(wallet_details, name=wallets[choice.index].name)


def wallet_details(ctx: FlowContext, name: str) -> Destination | None:
    wallet = _registry(ctx).get(name)
    view = FactsView(wallet.name, policy_facts(wallet, ctx.fingerprint()),
                     (Button("Back", "back"), Button("Addresses", "addresses")))
    if ctx.show(FactsScreen(view)).action == "addresses":
        return go(wallet_address, name=name, index=0)
    return go(wallet_list)


def wallet_address(ctx: FlowContext, name: str, index: int) -> Destination | None:
    wallet = _registry(ctx).get(name)
    view = AddressView("Receive", wallet.address(False, index), f"RECEIVE #{index}",
                       theme.INFO, details=(wallet.name,),
                       buttons=(Button("Prev", "prev"), Button("Done", "done"),
                                Button("Next", "next")))
    action = ctx.show(AddressScreen(view)).action
    if action == "next":
        return go(wallet_address, name=name, index=index + 1)
    if action == "prev":
        return go(wallet_address, name=name, index=max(0, index - 1))
    return go(wallet_details, name=name)
