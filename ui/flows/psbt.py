"""PSBT: overview -> spending paths (miniscript and taproot-tree inputs) -> every output ->
every warning on its own screen -> confirm -> sign -> QR.

A danger warning is only acknowledged by choosing its own "Sign anyway" button (the safe
"Reject" starts selected); its code then goes into `allow`, and sign_psbt refuses anything
not acknowledged. A danger no override lifts (Warning.overridable false) offers only "Reject".
"""

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from signer.errors import AirsignError
from signer.review import InputReview, Output, OutputKind, PathReview, Review, Severity, Warning
from signer.transport.types import Format, Payload, PayloadKind
from ui import theme
from ui.flows import Destination, FlowContext, go
from ui.screens.address import AddressScreen, AddressView
from ui.screens.base import Button
from ui.screens.facts import Fact, FactsScreen, FactsView
from ui.screens.message import MessageScreen, MessageView
from ui.screens.qr import QRScreen, QRView
from ui.widgets import format_amount

if TYPE_CHECKING:
    from signer.transport.encoders import FrameSequence

BADGES = {
    OutputKind.EXTERNAL: "SEND",
    OutputKind.CHANGE: "CHANGE",
    OutputKind.SELF: "TO SELF",
    OutputKind.TRANSFER: "TRANSFER",
    OutputKind.OP_RETURN: "OP_RETURN",
}
FORMAT_CYCLE = (Format.UR, Format.BBQR, Format.SINGLE, Format.PMOFN)
DENSITY_CYCLE = ("low", "medium", "high")


def overview_view(review: Review, denomination: str) -> FactsView:
    """What leaves, then the fee (on the first page at every size, one line), then to whom."""
    external = [o for o in review.outputs if o.kind is OutputKind.EXTERNAL]
    kept = [o for o in review.outputs if o.kind in (OutputKind.CHANGE, OutputKind.SELF)]
    moved = [o for o in review.outputs if o.kind is OutputKind.TRANSFER]
    wallets = sorted({i.wallet for i in review.inputs if i.wallet})
    ours = sum(1 for i in review.inputs if i.ours)
    if review.fee is None:
        fee = Fact("Fee · an input amount is missing", "unknown", one_line=True)
    else:
        rate = f" · {review.fee_rate:.1f} sat/vB" if review.fee_rate is not None else ""
        fee = Fact(f"Fee{rate}", format_amount(review.fee, denomination), one_line=True)
    to = f"{len(external)} address{'es' if len(external) != 1 else ''}"
    if kept:
        to += f", {len(kept)} back to us"
    if moved:
        to += f", {len(moved)} to your other wallet{'s' if len(moved) != 1 else ''}"
    facts = (
        Fact("Sending", format_amount(review.spend, denomination), theme.ACCENT, one_line=True),
        fee,
        *_transfer_fact(review, denomination),
        Fact("To", to),
        Fact("Wallet", ", ".join(wallets) or "none of ours"),
        Fact("Inputs", f"{len(review.inputs)}, {ours} ours to sign"),
    )
    dangers = len(review.blocking())
    notice = f"{len(review.warnings)} warning(s), {dangers} danger" if review.warnings else ""
    return FactsView("Review", facts, (Button("Reject", "reject"), Button("Review", "next")),
                     notice=notice, notice_tone="danger" if dangers else "caution",
                     back_action="reject")


def _transfer_fact(review: Review, denomination: str) -> tuple[Fact, ...]:
    """Sats moving to our other wallets: not sent away, but leaving the wallet spent."""
    if not review.transfer:
        return ()
    return (Fact("To your wallets", format_amount(review.transfer, denomination),
                 theme.OUTPUT_COLOURS[OutputKind.TRANSFER.value]),)


def spending_paths_view(review: Review) -> FactsView | None:
    """Each spending path of our miniscript and taproot-tree inputs in words: whether this
    transaction can use it, and who still has to sign (this device first, when it signs).
    Inputs with the same paths as they stand are listed once; None when no input has paths."""
    groups: dict[tuple[str | None, tuple[PathReview, ...]], list[InputReview]] = {}
    for inp in review.inputs:
        if inp.ours and inp.paths:
            groups.setdefault((inp.wallet, inp.paths), []).append(inp)
    if not groups:
        return None
    count = len(review.inputs)
    facts: list[Fact] = []
    unsigned: list[int] = []  # inputs with no path this device signs: refused
    for (wallet, paths), inputs in groups.items():
        numbers = ", ".join(str(inp.index + 1) for inp in inputs)
        label = f"Input {numbers}/{count}" if len(inputs) == 1 else f"Inputs {numbers} of {count}"
        facts.append(Fact(label, wallet or ""))
        if not any(path.signing for path in paths):
            unsigned += [inp.index + 1 for inp in inputs]
        for number, path in enumerate(paths, start=1):
            facts.extend(_path_facts(number, path))
    notice = ""
    if unsigned:
        which = ", ".join(str(number) for number in sorted(unsigned))
        notice = (f"No path this device can sign: input{'s' if len(unsigned) > 1 else ''} "
                  f"{which} will not be signed")
    # "Paths": "Spending paths" would be cut beside the fingerprint at 240x240
    return FactsView("Paths", tuple(facts), notice=notice, notice_tone="danger")


def _path_facts(number: int, path: PathReview) -> tuple[Fact, ...]:
    if not path.available:
        return (Fact(f"Path {number} · not usable now", path.words, theme.MUTED),)
    if path.signing:
        return (Fact(f"Path {number} · usable", path.words, theme.SUCCESS, marker="YOU SIGN"),
                Fact("Still to sign", path.still_to_sign))
    return (Fact(f"Path {number} · usable", path.words), Fact("Still to sign", path.still_to_sign))


def output_view(output: Output, count: int, denomination: str) -> AddressView:
    """The proof of a change/self output in full: the wallet it re-derives from with chain
    and index, then our key's full path (the screen breaks a line only between parts)."""
    details: list[str] = []
    if output.wallet:
        where = ""
        if output.path:
            chain, index = output.path.split("/")[-2:]
            where = f" · {'change' if chain == '1' else 'receive'} #{index}"
        if output.kind is OutputKind.TRANSFER:
            details.append(f"to your other wallet {output.wallet}{where}")
        else:
            details.append(f"{output.wallet}{where}")
        if output.path:
            details.append(output.path)
    return AddressView(
        f"Output {output.index + 1}/{count}",
        output.address or output.script,
        BADGES[output.kind],
        theme.OUTPUT_COLOURS[output.kind.value],
        amount=format_amount(output.amount, denomination),
        details=tuple(details),
    )


def warning_view(warning: Warning, title: str, buttons: tuple[Button, ...],
                 denomination: str, also: Sequence[Warning] = ()) -> MessageView:
    """The input or output it is about ("Output 2/2 · 0.50 000 000 BTC", numbered as its own
    screen) above what is wrong; then where else the same warning applies."""
    def amount(sats: int) -> str:
        return format_amount(sats, denomination)

    text = warning.message[:1].upper() + warning.message[1:]
    if also:
        places = [other.where(amount) for other in also[:LISTED_ALSO]]
        more = len(also) - len(places)
        text += (f"\n\nThe same for {len(also)} more: " + "; ".join(places)
                 + (f"; and {more:,} more" if more else "") + ".")
    lead = warning.where(amount) + (f" · and {len(also):,} more" if also else "")
    return MessageView(title, text, buttons, tone=warning.severity.value, lead=lead,
                       back_action="reject")


def review(ctx: FlowContext, payload: Payload) -> Destination | None:
    from signer.psbt import load_psbt
    from signer.review import review_psbt
    from signer.wallet.registry import WalletRegistry
    from ui.flows.home import home

    keystore, settings = ctx.keystore, ctx.settings
    psbt = load_psbt(payload.data)
    wallets = WalletRegistry(keystore.wallet_records, settings.network).wallets()
    root = ctx.root()
    result = review_psbt(psbt, root=root, wallets=wallets, settings=settings,
                         network=settings.network)
    mismatch = next((w for w in result.warnings if w.code == "network-mismatch"), None)
    if mismatch is not None:
        from ui.flows.network import wrong_network

        return go(wrong_network, outcome="Nothing of this PSBT is shown or signed.",
                  detail=mismatch.message)
    denomination = settings.denomination
    paths = spending_paths_view(result)
    views = [overview_view(result, denomination), *([paths] if paths is not None else []),
             *(output_view(output, len(result.outputs), denomination)
               for output in result.outputs)]
    step = 0
    while step < len(views):
        view = views[step]  # a fresh screen each time: it starts at the top, Next selected
        choice = ctx.show(FactsScreen(view) if isinstance(view, FactsView)
                          else AddressScreen(view))
        if step == 0 and choice.action == "reject":
            ctx.message("Not signed", "The transaction was rejected.")
            return go(home)
        step += -1 if step and choice.action == "back" else 1
    if not any(i.ours for i in result.inputs):  # never a "Sign" button with nothing to sign
        why = "".join(f"\n{w.text(lambda sats: format_amount(sats, denomination))}"
                      for w in result.warnings)
        ctx.message("Not signed", "Nothing to sign: no input of this PSBT belongs to a "
                    f"wallet on this device.{why}", tone="caution")
        return go(home)
    allow = acknowledge_warnings(ctx, result)
    if allow is None:
        ctx.message("Not signed", "The transaction was rejected.")
        return go(home)
    confirm = FactsView("Sign?", (
        Fact("Sending", format_amount(result.spend, denomination), theme.ACCENT, one_line=True),
        *_transfer_fact(result, denomination),
        Fact("Fee", format_amount(result.fee, denomination) if result.fee is not None
             else "unknown", one_line=True),
        Fact("Signing", f"{sum(1 for i in result.inputs if i.signable)} input(s)"),
    ), (Button("Cancel", "cancel"), Button("Sign", "sign")), back_action="cancel")
    if ctx.show(FactsScreen(confirm)).action != "sign":
        ctx.message("Not signed", "Nothing was signed.")
        return go(home)
    from signer.psbt import serialize_psbt
    from signer.sign import sign_psbt

    signed = sign_psbt(psbt, result, root=root, wallets=wallets, allow=allow)
    if signed.skipped:  # inputs the signer refused after all (e.g. a contradicted taproot tree)
        why = "\n".join(w.text(lambda sats: format_amount(sats, denomination))
                        for w in signed.skipped)
        if not signed.signatures:
            ctx.message("Not signed", f"No signature was added.\n{why}", tone="danger")
            return go(home)
        ctx.message("Skipped", why, tone="caution")
    # The same signatures (RFC 6979) without the rest of the PSBT: far fewer frames, for
    # coordinators that merge them.
    sigs = sign_psbt(load_psbt(payload.data), result, root=root, wallets=wallets, allow=allow,
                     sigs_only=True)
    return go(show_signed, raw=serialize_psbt(signed.psbt), came_as=payload,
              sigs_raw=serialize_psbt(sigs.psbt))


# Locations listed on a grouped warning's screen before "and N more".
LISTED_ALSO = 5


def acknowledge_warnings(ctx: FlowContext, result: Review) -> frozenset[str] | None:
    """Each kind of warning on its own screen; None when the user rejects at any of them.

    Warnings of one code and severity (the same caution on 900 inputs of a hostile PSBT)
    share a screen: the first in full, the others by where they are. Accepting it accepts
    that code, as `--allow CODE` does on the command line."""
    allow: set[str] = set()
    groups = _grouped(result.warnings)
    for number, group in enumerate(groups, start=1):
        warning = group[0]
        title = f"Warning {number}/{len(groups)}"
        if warning.severity is Severity.DANGER and not warning.overridable:
            buttons = (Button("Reject", "reject"),)  # nothing can sign this PSBT
        elif warning.severity is Severity.DANGER:
            buttons = (Button("Reject", "reject"), Button("Sign anyway", "accept"))
        elif warning.severity is Severity.CAUTION:
            buttons = (Button("Reject", "reject"), Button("Continue", "accept"))
        else:
            buttons = (Button("OK", "accept"),)
        view = warning_view(warning, title, buttons, ctx.settings.denomination,
                            also=group[1:])
        if ctx.show(MessageScreen(view)).action != "accept":
            return None
        if warning.severity is Severity.DANGER:
            allow.add(warning.code)
    return frozenset(allow)


def _grouped(warnings: Sequence[Warning]) -> list[list[Warning]]:
    groups: dict[tuple[str, Severity], list[Warning]] = {}
    for warning in warnings:
        groups.setdefault((warning.code, warning.severity), []).append(warning)
    return list(groups.values())


def reply_sequence(raw: bytes, came_as: Payload, fmt: Format | None,
                   density: str) -> "FrameSequence":
    """The frames of a reply: the format it came in, or the one the user switched to."""
    from signer.transport.encoders import encode_frames, reply_frames

    if fmt is None:
        return reply_frames(raw, came_as, density)
    return encode_frames(Payload(PayloadKind.PSBT, raw, fmt), fmt, density=density)


def show_signed(ctx: FlowContext, raw: bytes, came_as: Payload, *, fmt: Format | None = None,
                density: str = "", sigs_raw: bytes = b"",
                sigs_only: bool = False) -> Destination | None:
    """The signed PSBT as QR, in the format it came in until the user switches. When only
    our signatures take fewer frames, the screen offers them (RIGHT) with their count."""
    from ui.flows.home import home

    density = density or ctx.settings.qr_density
    shown, other = (sigs_raw, raw) if sigs_only else (raw, sigs_raw)
    try:
        frames = reply_sequence(shown, came_as, fmt, density)
    except AirsignError as exc:
        ctx.message("Not shown", str(exc), tone="caution")
        return go(show_signed, raw=raw, came_as=came_as, fmt=Format.UR, density="high",
                  sigs_raw=sigs_raw, sigs_only=sigs_only)
    alternative = None
    if other and not frames.signatures_only:  # (a one-QR reply may already be signatures)
        with contextlib.suppress(AirsignError):  # no offer when it cannot go this way
            alternative = reply_sequence(other, came_as, frames.format, density)
    if frames.note:
        ctx.message("Signed", frames.note[:1].upper() + frames.note[1:])
    offer = ""
    if alternative is not None and (sigs_only or len(alternative.frames) < len(frames.frames)):
        count = len(alternative.frames)
        offer = (f"{'full PSBT' if sigs_only else 'signatures only'}: {count} "
                 f"frame{'s' if count != 1 else ''}")
    caption = f"{frames.format.value} · {density}"
    if frames.signatures_only:  # a one-QR reply that had to shrink to our signatures
        caption = f"{frames.encoding} · signatures only"
    view = QRView("Signatures" if sigs_only else "Signed", frames.next_frame,
                  len(frames.frames), frames.qr_version, fps=ctx.settings.qr_fps,
                  caption=caption, offer=offer)
    choice = ctx.show(QRScreen(view)).action
    args: dict[str, Any] = {"raw": raw, "came_as": came_as, "fmt": frames.format,
                            "density": density, "sigs_raw": sigs_raw, "sigs_only": sigs_only}
    if choice == "density":
        args["density"] = DENSITY_CYCLE[(DENSITY_CYCLE.index(density) + 1) % 3]
        return go(show_signed, **args)
    if choice == "format":
        position = FORMAT_CYCLE.index(frames.format)
        args["fmt"] = FORMAT_CYCLE[(position + 1) % len(FORMAT_CYCLE)]
        return go(show_signed, **args)
    if choice == "offer":
        args["sigs_only"] = not sigs_only
        return go(show_signed, **args)
    return go(home)
