"""The appliance: runs flow steps until the user powers off or the input ends.

Every step returns the next Destination. An AirsignError a step did not handle is shown as a
one-line message and the user goes home (or back to unlock); auto-lock drops the seed and
returns to unlock.
"""

from pathlib import Path
from typing import Any

from signer.errors import AirsignError
from ui.backends import Display, Input, InputClosed
from ui.flows import AutoLocked, Destination, FlowContext, go
from ui.flows.boot import start, unlock


def run_flows(ctx: FlowContext, first: Destination | None = None) -> None:
    destination: Destination | None = first or go(start)
    while destination is not None:
        try:
            destination = destination.step(ctx, **destination.args)
        except AutoLocked:
            ctx.lock()
            destination = go(unlock)
        except AirsignError as exc:
            ctx.message("Error", str(exc), tone="caution")
            if ctx.keystore is None:
                destination = go(start)
            else:
                from ui.flows.home import home

                destination = go(home)


def run_app(display: Display, input: Input, camera: Any, keystore_path: Path,  # noqa: A002
            dev_allow_network: bool = False, **context: Any) -> int:
    """Entry point of `airsign run`. Extra keyword arguments go to FlowContext (tests: a fake
    sys_class for the air-gap check, a clock, kdf_cost_check)."""
    ctx = FlowContext(display, input, Path(keystore_path), camera=camera,
                      dev_allow_network=dev_allow_network, **context)
    try:
        run_flows(ctx)
    except (InputClosed, KeyboardInterrupt):
        pass
    finally:
        ctx.lock()
        display.close()
        input.close()
    return 0
