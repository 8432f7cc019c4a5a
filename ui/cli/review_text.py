"""The review as terminal text: outputs with their kind, amounts, fee and warnings.

Inputs and outputs are numbered from 1, as the device's screens and warnings number them
("Output 2/2"); the JSON keeps the transaction's 0-based positions."""

from signer.review import OutputKind, Review, Severity

SATS_PER_BTC = 100_000_000


def format_amount(sats: int | None, denomination: str = "sats") -> str:
    if sats is None:
        return "unknown amount"
    if denomination == "btc":
        sign = "-" if sats < 0 else ""
        whole, fraction = divmod(abs(sats), SATS_PER_BTC)
        return f"{sign}{whole:,}.{fraction:08d} BTC"
    return f"{sats:,} sats"


def render_review(review: Review, denomination: str = "sats") -> list[str]:
    def amount(sats: int | None) -> str:
        return format_amount(sats, denomination)

    lines = [f"PSBT v{review.version} on {review.network.value}: {len(review.inputs)} input(s), "
             f"{len(review.outputs)} output(s)"]
    lines.append("Inputs:")
    for inp in review.inputs:
        owner = f"{inp.wallet}" if inp.ours else "not ours"
        signed = ", ".join(inp.signed_by) or "nobody yet"
        lines.append(f"  #{inp.index + 1}  {amount(inp.amount):>22}  {owner}  sighash {inp.sighash}"
                     f"  signed by: {signed}")
        if inp.unverified:  # signatures in the PSBT that do not verify for this transaction
            lines.append(f"      not counted (do not verify): {', '.join(inp.unverified)}")
        for path in inp.paths:  # a miniscript wallet's spending paths, as this tx stands
            state = "usable" if path.available else "not usable with this nSequence/nLockTime"
            lines.append(f"      path: {path.words} [{state}]")
            if path.available:
                lines.append(f"        still to sign: {path.still_to_sign}")
    lines.append("Outputs:")
    for out in review.outputs:
        where = out.address or f"script {out.script}"
        label = {OutputKind.CHANGE: "change", OutputKind.SELF: "to self",
                 OutputKind.TRANSFER: "transfer", OutputKind.EXTERNAL: "SEND",
                 OutputKind.OP_RETURN: "data"}[out.kind]
        extra = f"  ({out.wallet} {out.path})" if out.wallet else ""
        if out.kind is OutputKind.TRANSFER:
            extra = f"  (to your other wallet {out.wallet}, {out.path})"
        lines.append(f"  #{out.index + 1}  {label:<8} {amount(out.amount):>22}  {where}{extra}")
    lines.append(f"Sending: {amount(review.spend)}")
    if review.transfer:
        lines.append(f"To your other wallets: {amount(review.transfer)}")
    if review.fee is None:
        lines.append("Fee: unknown (an input amount is missing)")
    else:
        lines.append(f"Fee: {amount(review.fee)} ({review.fee_rate} sat/vB, about "
                     f"{review.vsize:,} vB)")
    if review.warnings:
        lines.append("Warnings:")
        for warning in review.warnings:
            marker = {Severity.DANGER: "DANGER ", Severity.CAUTION: "caution",
                      Severity.INFO: "info   "}[warning.severity]
            lines.append(f"  {marker} [{warning.code}] {warning.text(amount)}")
    return lines
