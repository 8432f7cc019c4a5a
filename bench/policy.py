"""Taproot multisig and miniscript benchmark: signing and reviewing per input.

Run as `.venv/bin/python -m bench.policy`. Wallets: a taproot 2-of-3 with no key path
(tr(H, multi_a(2,A,B,C)), script-path signing) and Liana's decaying 2-of-3
(wsh(or_d(multi(2,A,B,C), and_v(v:pkh(A'), older(52560))))). Also the cost of compiling the
policy (parse, type check, sanity, spending paths) once. Target (docs/wallets.md): taproot
2-of-3 script-path signing <= 0.5 ms per input on the development machine, growing linearly.
"""

from bench.sign import best_of
from signer.network import Network
from signer.psbt import ParsedPSBT, load_psbt
from signer.review import Review, review_psbt
from signer.settings import Settings
from signer.sign import sign_psbt
from signer.wallet.descriptor import wallet_from_descriptors
from signer.wallet.model import Wallet
from signer.wallet.template import NUMS_KEY
from tests.independent.coordinator import (
    Pay,
    Spend,
    build_psbt,
    descriptor_wallet,
    external_script,
    root,
)
from tests.independent.cosigners import key_expression

SIZES = (1, 10, 50, 100)
NETWORK = Network.TEST
SETTINGS = Settings(network=NETWORK)
TAPROOT_PATH = (86 + 2**31, 1 + 2**31, 2**31)


def wallets() -> dict[str, str]:
    a, b, c = (key_expression(i, path=TAPROOT_PATH) for i in (0, 1, 2))
    wa, wb, wc = (key_expression(i) for i in (0, 1, 2))
    recovery = key_expression(0, suffix="/<2;3>/*")
    return {
        "taproot 2-of-3, script path": f"tr({NUMS_KEY.hex()},multi_a(2,{a},{b},{c}))",
        "miniscript (Liana 2-of-3 + recovery)":
            f"wsh(or_d(multi(2,{wa},{wb},{wc}),and_v(v:pkh({recovery}),older(52560))))",
    }


def spend_psbt(text: str, inputs: int) -> bytes:
    vault = descriptor_wallet(text)
    spends = [Spend(vault, i % 2 == 1, i, 100_000) for i in range(inputs)]
    total = 100_000 * inputs
    return build_psbt(spends, [Pay(total // 2, external_script()),
                               Pay(total // 2 - 500 * inputs, wallet=vault, index=inputs)]
                      ).serialize()


def measure(wallet: Wallet, text: str, inputs: int) -> tuple[float, float]:
    """(sign seconds, review seconds) for a PSBT spending `inputs` coins of the wallet."""
    raw = spend_psbt(text, inputs)

    def reviewed() -> tuple[ParsedPSBT, Review]:
        psbt = load_psbt(raw)
        return psbt, review_psbt(psbt, root=root(0), wallets=[wallet], settings=SETTINGS,
                                 network=NETWORK)

    def sign(state: tuple[ParsedPSBT, Review]) -> None:
        result = sign_psbt(state[0], state[1], root=root(0), wallets=[wallet])
        assert result.signatures == inputs

    signing = best_of(5, reviewed, sign)
    reviewing = best_of(5, lambda: load_psbt(raw), lambda psbt: review_psbt(
        psbt, root=root(0), wallets=[wallet], settings=SETTINGS, network=NETWORK))
    return signing, reviewing


def main() -> None:
    print(f"{'wallet':<38} {'inputs':>6} {'sign ms/input':>14} {'review ms/input':>16}")
    for name, text in wallets().items():
        wallet = descriptor_wallet(text).wallet
        per_input = {}
        for inputs in SIZES:
            signing, reviewing = measure(wallet, text, inputs)
            per_input[inputs] = signing / inputs
            print(f"{name:<38} {inputs:>6} {signing * 1e3 / inputs:>14.3f} "
                  f"{reviewing * 1e3 / inputs:>16.3f}")
        print(f"{'':<38} growth: per-input time at 100 / at 10 = "
              f"{per_input[100] / per_input[10]:.2f} (linear: about 1)")
        compile_time = best_of(20, lambda text=text: text, lambda text: wallet_from_descriptors(
            [text], "bench", NETWORK).template.paths)  # type: ignore[union-attr]
        print(f"{'':<38} policy compile (parse, types, sanity, paths): "
              f"{compile_time * 1e3:.2f} ms")
    print("target: taproot 2-of-3 script-path sign <= 0.5 ms/input on this machine")


if __name__ == "__main__":
    main()
