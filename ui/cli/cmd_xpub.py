"""`airsign xpub`: export this device's cosigner key for a coordinator, as text, a file,
a PNG or an animated GIF of QR codes."""

import argparse
import sys
from pathlib import Path

from embit.bip32 import HDKey

from signer.errors import UsageError
from signer.export import ExportFormat, account_ur, coldcard_json, cosigner_export
from signer.network import Network
from signer.scripts import ScriptType, format_path, parse_path
from signer.transport import ur as ur_transport
from signer.transport.encoders import encode_frames, qr_version_for
from signer.transport.types import Format, Payload, PayloadKind
from ui.cli import AddCommand
from ui.cli.common import device_network, open_keystore, seed_root, write_output
from ui.scan.sources import write_qr_images

IMAGE_SIZE = 480  # pixels; a phone or the coordinator's webcam reads this comfortably
SCRIPTS = [s.value for s in ScriptType if s is not ScriptType.P2SH_P2WPKH
           and s is not ScriptType.P2PKH]


def register(add_command: AddCommand) -> None:
    parser = add_command("xpub")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--script", choices=SCRIPTS, default=None,
                       help="script type, for its standard path (default p2wsh: BIP-48)")
    which.add_argument("--path", help="a custom derivation path, e.g. m/48h/0h/0h/2h")
    parser.add_argument("--account", type=int, default=0, help="account number (default 0)")
    parser.add_argument("--format", choices=[f.value for f in ExportFormat],
                        default=ExportFormat.ORIGIN.value,
                        help="origin: [fingerprint/path]xpub (default); json; ur: UR "
                             "crypto-account; electrum: the key alone with the prefix "
                             "Electrum reads the script type from (Vpub/Zpub for p2wsh); "
                             "coldcard-json: Coldcard's multisig export file")
    parser.add_argument("--slip132", action="store_true",
                        help="write Zpub/Ypub (Vpub/Upub on test networks) instead of xpub/tpub")
    parser.add_argument("--qr-format", choices=["bbqr", "ur"], default="bbqr",
                        help="json and coldcard-json QR codes: BBQr (type J, default) or UR bytes")
    parser.add_argument("--bip39-passphrase", action="store_true",
                        help="derive with a BIP-39 passphrase (asked, not echoed, not stored)")
    parser.add_argument("--out", metavar="FILE", help="also write the export to FILE")
    images = parser.add_mutually_exclusive_group()
    images.add_argument("--png", metavar="OUT", help="write a static QR code (one frame only)")
    images.add_argument("--qr-gif", metavar="OUT", help="write the QR code(s) as an animated GIF")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    chosen = ExportFormat(args.format)
    if args.path and chosen in (ExportFormat.UR, ExportFormat.COLDCARD_JSON):
        raise UsageError(f"--format {chosen} exports standard paths: use --script, not --path")
    if args.path and args.account:
        raise UsageError("--path already names the account: drop --account")
    if chosen is ExportFormat.ELECTRUM and args.slip132:
        raise UsageError("--format electrum always writes the prefix Electrum reads: "
                         "drop --slip132")
    if chosen is ExportFormat.COLDCARD_JSON and args.script:
        raise UsageError("coldcard-json always holds p2sh, p2sh-p2wsh and p2wsh: drop --script")
    script = ScriptType(args.script or ScriptType.P2WSH)
    with open_keystore(args) as keystore:
        network = device_network(args, keystore)
        root = seed_root(args, keystore)
        density = keystore.settings.qr_density
        fps = keystore.settings.qr_fps
        suffix = (" (with the BIP-39 passphrase)" if root.my_fingerprint != keystore.fingerprint
                  else "")
        print(f"airsign: fingerprint {root.my_fingerprint.hex()}{suffix}, network {network}",
              file=sys.stderr)
        text, frames = _export(args, chosen, root, network=network, script=script,
                               density=density)
    sys.stdout.write(text)
    if args.out:
        write_output(args.out, text.encode("utf-8"))
    if args.png:
        if len(frames) > 1:
            raise UsageError(f"this export takes {len(frames)} QR codes: use --qr-gif")
        _save_images(frames, Path(args.png), fps)
    if args.qr_gif:
        _save_images(frames, Path(args.qr_gif), fps)
    return 0


def _export(args: argparse.Namespace, chosen: ExportFormat, root: HDKey, *, network: Network,
            script: ScriptType, density: str) -> tuple[str, list[str]]:
    """The export's text and the QR frames that carry it."""
    if chosen is ExportFormat.COLDCARD_JSON:
        text = coldcard_json(root, network, args.account, args.slip132)
        return text, _file_frames(text, args.qr_format, density)
    if chosen is ExportFormat.UR:
        if args.slip132:
            raise UsageError("a UR carries the key itself: --slip132 does not apply")
        resource = account_ur(root, network, [script], args.account)
        account = Payload(PayloadKind.ACCOUNT, resource.cbor, Format.UR)
        frames = list(encode_frames(account, Format.UR, density=density).frames)
        return ur_transport.encode_single(resource) + "\n", frames
    path = parse_path(args.path) if args.path else None
    export = cosigner_export(root, network, script, args.account, path)
    print(f"airsign: {format_path(export.path)} ({export.script or 'custom path'})",
          file=sys.stderr)
    if chosen is ExportFormat.JSON:
        text = export.json_text(args.slip132)
        return text, _file_frames(text, args.qr_format, density)
    if chosen is ExportFormat.ELECTRUM:
        text = export.electrum_text() + "\n"
        print("airsign: Electrum: paste or scan it at 'Add cosigner' > 'Enter cosigner key'; "
              "then register Electrum's wallet file here (airsign wallet add)", file=sys.stderr)
        return text, [text.strip()]
    text = export.origin_text(args.slip132) + "\n"
    return text, [text.strip()]


def _file_frames(text: str, qr_format: str, density: str) -> list[str]:
    if qr_format == "ur":
        payload = Payload(PayloadKind.BYTES, text.encode("utf-8"), Format.UR)
        return [str(f) for f in encode_frames(payload, Format.UR, density=density).frames]
    payload = Payload(PayloadKind.WALLET_FILE, text, Format.BBQR, encoding="json")
    return [str(f) for f in encode_frames(payload, Format.BBQR, density=density).frames]


def _save_images(frames: list[str], path: Path, fps: float) -> None:
    count = write_qr_images(frames, max(qr_version_for(f) for f in frames), gif=path, fps=fps,
                            size=IMAGE_SIZE)
    print(f"airsign: wrote {count} QR frame(s) to {path}", file=sys.stderr)

