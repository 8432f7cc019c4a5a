"""Scan: one entry point; what was scanned decides where to go (PSBT, wallet, address, seed,
a message to sign)."""


from signer.transport.types import Payload, PayloadKind
from ui.flows import Destination, FlowContext, go
from ui.screens.scan import ScanScreen, ScanState

READY = "Point the camera at a QR code"
MISMATCH = "A part of another QR sequence: KEY3 starts over with it"
MAX_STUCK_SHOWN = 6


def stuck_hint(parts: tuple[int, ...]) -> str:
    """What to do when the same parts never arrive: they are likely too dense to read at the
    camera's distance, or flash by too fast for its exposure."""
    if not parts:
        return ""
    shown = ", ".join(str(n) for n in parts[:MAX_STUCK_SHOWN])
    more = f" and {len(parts) - MAX_STUCK_SHOWN} more" if len(parts) > MAX_STUCK_SHOWN else ""
    noun = "Part" if len(parts) == 1 else "Parts"
    return (f"{noun} {shown}{more} not read after several loops. On the coordinator, "
            "lower the QR density or the frame rate.")


class ScannerFeed:
    """Shows ui/scan/scanner.py's worker-thread snapshots on the ScanScreen: the preview
    keeps moving however long a frame takes to decode."""

    def __init__(self, camera: object, decoder: object = None):
        from ui.scan.scanner import Scanner

        self.scanner = Scanner(camera, decoder).start()  # type: ignore[arg-type]
        self._last: tuple[object, ScanState] | None = None

    def __call__(self) -> ScanState:
        snapshot = self.scanner.snapshot()
        # The screen polls faster than frames arrive: an unchanged snapshot keeps its state.
        if self._last is not None and self._last[0] is snapshot:
            return self._last[1]
        progress = snapshot.progress
        state = ScanState(
            preview=snapshot.frame,
            progress=progress if progress is not None and progress.parts_total > 1 else None,
            fps=snapshot.stats.fps,
            finished=snapshot.ended,
            status=MISMATCH if snapshot.mismatch else (snapshot.error or READY),
            hint=stuck_hint(snapshot.stuck_on),
        )
        self._last = (snapshot, state)
        return state


def scan_payload(ctx: FlowContext, title: str) -> Payload | None:
    """Scan until a payload is complete; None if the user went back or the camera stopped
    (said on screen)."""
    if ctx.camera is None:
        ctx.message(title, "No camera: start airsign with --camera.", tone="caution")
        return None
    feed = ScannerFeed(ctx.camera)
    try:
        while True:
            action = ctx.show(ScanScreen(title, feed)).action
            if action != "restart":
                break
            feed.scanner.restart()
    finally:
        feed.scanner.stop()
    if action == "back":
        return None
    snapshot = feed.scanner.snapshot()
    if snapshot.payload is None:
        ctx.message(title, snapshot.error or "The scan ended without a complete code.",
                    tone="caution")
    return snapshot.payload


def scan(ctx: FlowContext) -> Destination | None:
    from ui.flows.home import home

    payload = scan_payload(ctx, "Scan")
    return go(home) if payload is None else route(payload)


def route(payload: Payload) -> Destination:
    """Where a scanned payload goes: by its kind only."""
    if payload.kind is PayloadKind.PSBT:
        from ui.flows.psbt import review

        return go(review, payload=payload)
    if payload.kind in (PayloadKind.DESCRIPTOR, PayloadKind.WALLET_FILE):
        from ui.flows.wallets import register

        return go(register, payload=payload)
    if payload.kind is PayloadKind.ADDRESS:
        from ui.flows.wallets import verify_address

        return go(verify_address, address=str(payload.data))
    if payload.kind in (PayloadKind.SEEDQR, PayloadKind.MNEMONIC):
        from ui.flows.seed import compare_seed

        return go(compare_seed, payload=payload)
    if payload.kind in (PayloadKind.SIGN_MESSAGE, PayloadKind.TEXT, PayloadKind.BYTES):
        from ui.flows.message import sign_request

        return go(sign_request, payload=payload)
    return go(unsupported, kind=payload.kind.value)


def unsupported(ctx: FlowContext, kind: str) -> Destination | None:
    from ui.flows.home import home

    ctx.message("Scanned", f"This QR holds a {kind}; airsign has nothing to do with it.",
                tone="caution")
    return go(home)
