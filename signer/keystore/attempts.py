"""The failed-unlock counter kept beside the keystore ("<keystore>.attempts", JSON, no secrets).

An attempt is counted *before* the passphrase is tried, so cutting the power during the
(slow) KDF does not give a free guess; a successful unlock removes the file. The file cannot be
inside the encrypted keystore because it must be read and written without the key.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

from signer.keystore.atomic import FileOps, remove_durably, write_atomic

FREE_ATTEMPTS = 3  # typos happen; delays start after this many failures in a row
FIRST_DELAY_SECONDS = 10.0
MAX_DELAY_SECONDS = 3600.0


def delay_after(failures: int) -> float:
    """Seconds to wait before the next attempt: 0 for the first few, then doubling, capped."""
    if failures <= FREE_ATTEMPTS:
        return 0.0
    doublings = min(failures - FREE_ATTEMPTS - 1, 32)  # the cap is reached long before 2**32
    return min(FIRST_DELAY_SECONDS * 2**doublings, MAX_DELAY_SECONDS)


@dataclass(frozen=True)
class Attempts:
    failures: int = 0
    not_before: float = 0.0  # unix time of the earliest allowed next attempt

    def wait_seconds(self, now: float) -> float:
        """Time left to wait. Capped by the schedule: a Pi without a real-time clock can boot
        with its clock in the past, which must not lock the user out for longer than that."""
        return max(0.0, min(self.not_before - now, delay_after(self.failures)))

    def after_failure(self, now: float) -> "Attempts":
        failures = self.failures + 1
        return Attempts(failures, now + delay_after(failures))


def attempts_path(keystore: Path) -> Path:
    return keystore.with_name(keystore.name + ".attempts")


def load_attempts(keystore: Path) -> Attempts:
    # A damaged counter must not lock the owner out for good; it counts as one failure.
    damaged = Attempts(1, 0.0)
    try:
        data = json.loads(attempts_path(keystore).read_text())
        failures, not_before = int(data["failures"]), float(data["not_before"])
    except FileNotFoundError:
        return Attempts()
    except (OSError, ValueError, KeyError, TypeError, OverflowError):
        return damaged
    if failures < 0 or not math.isfinite(not_before):
        return damaged
    return Attempts(failures, not_before)


def store_attempts(keystore: Path, attempts: Attempts, ops: FileOps) -> None:
    body = json.dumps({"failures": attempts.failures, "not_before": attempts.not_before})
    write_atomic(attempts_path(keystore), body.encode(), ops)


def clear_attempts(keystore: Path, ops: FileOps) -> None:
    remove_durably(attempts_path(keystore), ops)
