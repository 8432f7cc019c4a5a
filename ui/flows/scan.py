"""Scan: one entry point; what was scanned decides where to go (PSBT, wallet, address, seed)."""

import time

from PIL import Image

from signer.errors import AirsignError
from signer.transport.types import Payload, PayloadKind
from ui.flows import Destination, FlowContext, go
from ui.screens.scan import ScanScreen, ScanState


class CameraScan:
    """Reads one frame per tick, decodes it and feeds the assembler; the ScanScreen polls it.

    A refused part (wrong checksum, a part of another sequence) is reported and the scan
    goes on; only a complete payload ends it.
    """

    def __init__(self, camera: object):
        from signer.transport.assembler import Assembler
        from ui.scan.decoders import get_decoder

        self.camera = camera
        self.decoder = get_decoder()
        self.assembler = Assembler()
        self.status = "Point the camera at a QR code"
        self.ended = False
        self._times: list[float] = []

    def __call__(self) -> ScanState:
        frame = self.camera.read()  # type: ignore[attr-defined]
        if frame is None:
            self.ended = True
            return ScanState(status="The camera stopped sending frames", finished=True)
        now = time.monotonic()
        self._times = [t for t in self._times if now - t < 1.0] + [now]
        for data in self.decoder.decode(frame):
            try:
                self.assembler.receive(data)
            except AirsignError as exc:
                self.status = str(exc)
                self.assembler.reset()
        progress = self.assembler.progress()
        return ScanState(
            preview=Image.fromarray(frame),
            progress=progress if progress.parts_total > 1 else None,
            fps=float(len(self._times)),
            finished=self.assembler.is_complete,
            status=self.status,
        )


def scan(ctx: FlowContext) -> Destination | None:
    from ui.flows.home import home

    if ctx.camera is None:
        ctx.message("Scan", "No camera: start airsign with --camera.", tone="caution")
        return go(home)
    source = CameraScan(ctx.camera)
    if ctx.show(ScanScreen("Scan", source)).action == "back":
        return go(home)
    if not source.assembler.is_complete:
        ctx.message("Scan", source.status or "The scan ended without a complete code.",
                    tone="caution")
        return go(home)
    return route(source.assembler.result())


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
    return go(unsupported, kind=payload.kind.value)


def unsupported(ctx: FlowContext, kind: str) -> Destination | None:
    from ui.flows.home import home

    ctx.message("Scanned", f"This QR holds a {kind}; airsign has nothing to do with it.",
                tone="caution")
    return go(home)
