"""The flow framework: a step shows screens, reads the Choice, and names the next step.

Modelled on SeedSigner's view -> destination routing, but the screens hold no logic: a step
(a plain function `step(ctx, **args) -> Destination | None`) fills view models from the signer
library, shows them through `ctx.show`, and decides where to go. ui/app.py runs the loop.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signer.settings import Settings
from ui.backends import Display, Input
from ui.screens.base import Button, Choice, Screen
from ui.screens.message import MessageScreen, MessageView
from ui.widgets import Chrome


class AutoLocked(Exception):  # noqa: N818 - an event, not an error
    """No key for settings.auto_lock_seconds: the app locks and returns to unlock."""


Step = Callable[..., "Destination | None"]


@dataclass(frozen=True)
class Destination:
    step: Step
    args: dict[str, Any] = field(default_factory=dict)


def go(step: Step, **args: Any) -> Destination:
    return Destination(step, args)


@dataclass
class FlowContext:
    display: Display
    input: Input
    keystore_path: Path
    camera: Any = None  # ui.backends.camera.FrameSource, opened by the caller
    dev_allow_network: bool = False
    sys_class: Path = Path("/sys/class")  # where the air-gap check looks (tests fake it)
    clock: Callable[[], float] = time.monotonic
    kdf_cost_check: bool = True  # tests only: lets them use a cheap keystore KDF ...
    new_keystore_kdf: Any = None  # ... and create one with it (None: the default KdfParams)
    keystore: Any = None  # signer.keystore.UnlockedKeystore while unlocked
    bip39_passphrase: str = field(default="", repr=False)  # this session only, never stored
    last_activity: float = 0.0

    @property
    def settings(self) -> Settings:
        return self.keystore.settings if self.keystore is not None else Settings()

    def root(self) -> Any:
        """The BIP-32 root in use: the stored seed with this session's BIP-39 passphrase."""
        return self.keystore.root(self.bip39_passphrase)

    def fingerprint(self) -> bytes:
        from signer.keys import master_fingerprint

        if not self.bip39_passphrase:
            return self.keystore.fingerprint  # cached by the keystore: no derivation per frame
        return master_fingerprint(self.root())

    def chrome(self) -> Chrome:
        fingerprint = self.fingerprint().hex() if self.keystore is not None else ""
        return Chrome(fingerprint, self.settings.network.value, self.dev_allow_network)

    def show(self, screen: Screen) -> Choice:
        """Draw, wait for a key (or an animation tick), let the screen handle it; repeat until
        it returns a Choice. Raises AutoLocked after the inactivity limit while unlocked."""
        if not self.last_activity:
            self.last_activity = self.clock()
        while True:
            self.display.show(screen.render(self.display.size, self.chrome()))
            timeout = screen.tick_seconds
            limit = self.settings.auto_lock_seconds if self.keystore is not None else 0
            if limit:
                remaining = self.last_activity + limit - self.clock()
                if remaining <= 0:
                    raise AutoLocked()
                timeout = remaining if timeout is None else min(timeout, remaining)
            key = self.input.wait(timeout)
            if key is None:
                choice = screen.tick() if screen.tick_seconds else None
            else:
                self.last_activity = self.clock()
                choice = screen.handle(key)
            if choice is not None:
                return choice

    def message(self, title: str, body: str, tone: str = "info", button: str = "OK") -> None:
        self.show(MessageScreen(MessageView(title, body, (Button(button, "ok"),), tone=tone)))

    def confirm(self, title: str, body: str, yes: str, no: str = "Cancel",
                tone: str = "info") -> bool:
        """Two buttons, the safe one first and selected."""
        view = MessageView(title, body, (Button(no, "no"), Button(yes, "yes")), tone=tone,
                           back_action="no")
        return self.show(MessageScreen(view)).action == "yes"

    def apply_settings(self) -> None:
        """Push the device settings to the hardware: panel brightness, camera orientation."""
        settings = self.settings
        self.display.set_brightness(settings.brightness)
        if self.camera is not None:
            self.camera.rotation = settings.camera_rotation
            self.camera.mirror = settings.camera_mirror

    def lock(self) -> None:
        if self.keystore is not None:
            self.keystore.lock()
            self.keystore = None
        self.bip39_passphrase = ""
