"""Process-wide guards: no network from Python, and crash reports that carry no secrets.

`install()` does both, once per process; the `airsign` entry point calls it first thing.

- An audit hook (PEP 578) refuses every socket operation (creation, bind, connect, name
  lookups, sends) and the lookup of libc's socket functions through ctypes, by raising
  AirGapViolation. Audit hooks cannot be removed, so nothing later in the process can undo
  it. It does not see native code that calls libc itself (an OpenCV video backend could):
  the kernel without network drivers and the interface check at boot are the other layers
  (docs/SECURITY.md).
- An excepthook that, for an unexpected exception, prints only its type and the first line of
  its message: no traceback, so no source lines or values of the frames that held a mnemonic
  or passphrase. AIRSIGN_DEBUG=1 restores Python's full traceback.
- No core dumps (RLIMIT_CORE 0, hard limit too) and no traceback for errors Python can only
  report (unraisable hook).
- `printable()`, through which error messages reach the terminal: control characters from a
  hostile input echoed in a message are escaped.
"""

import os
import resource
import sys
import threading
from types import TracebackType
from typing import Any

DEBUG_ENV = "AIRSIGN_DEBUG"
MAX_MESSAGE = 200  # characters of an unexpected exception's message that are shown

# Every audit event through which Python code reaches the network (python docs, "Audit events
# table"); http/urllib/ftplib... end in these too, so they need no entry of their own.
NETWORK_EVENTS = frozenset({
    "socket.__new__", "socket.bind", "socket.connect", "socket.getaddrinfo",
    "socket.gethostbyaddr", "socket.gethostbyname", "socket.getnameinfo",
    "socket.getservbyname", "socket.getservbyport", "socket.sendmsg", "socket.sendto",
    "socket.sethostname",
})
# libc functions that would open a network path if looked up through ctypes.
NETWORK_SYMBOLS = frozenset({
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "getaddrinfo",
    "gethostbyname", "gethostbyname2", "gethostbyaddr", "sendto", "sendmsg", "sendmmsg",
})


class AirGapViolation(RuntimeError):
    """Something in this process tried to use the network. Never a user error: a bug or an
    attack, so deliberately not an AirsignError that a caller would show and carry on."""


_installed = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event in NETWORK_EVENTS:
        raise AirGapViolation(f"network access refused ({event}): airsign is air-gapped")
    if event == "ctypes.dlsym" and len(args) == 2:
        name = args[1]
        symbol = name.decode("ascii", "replace") if isinstance(name, bytes) else str(name)
        if symbol in NETWORK_SYMBOLS:
            raise AirGapViolation(f"network access refused (libc {symbol} through ctypes)")


def printable(text: str) -> str:
    """text with every non-printable character escaped (\\x1b, \\n, ...): an error message
    that echoes a hostile input can then neither drive the terminal nor span lines."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def one_line(exc: BaseException) -> str:
    """`Type: first line of the message`, shortened: what a crash report may show."""
    lines = str(exc).strip().splitlines()
    message = printable(lines[0]) if lines else ""
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 1] + "…"
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def _excepthook(kind: type[BaseException], exc: BaseException,
                tb: TracebackType | None) -> None:
    if os.environ.get(DEBUG_ENV) == "1":
        sys.__excepthook__(kind, exc, tb)
        return
    if isinstance(exc, KeyboardInterrupt):
        print("airsign: interrupted", file=sys.stderr)
        return
    print(f"airsign: internal error: {one_line(exc)} (set {DEBUG_ENV}=1 for a traceback)",
          file=sys.stderr)


def _thread_excepthook(hook_args: threading.ExceptHookArgs) -> None:
    if hook_args.exc_value is None:
        return
    _excepthook(hook_args.exc_type, hook_args.exc_value, hook_args.exc_traceback)


def _unraisable_hook(unraisable: "sys.UnraisableHookArgs") -> None:
    # Errors Python cannot raise (in __del__, finalizers) would otherwise print a traceback.
    if os.environ.get(DEBUG_ENV) == "1":
        sys.__unraisablehook__(unraisable)
    elif unraisable.exc_value is not None:
        print(f"airsign: ignored error: {one_line(unraisable.exc_value)}", file=sys.stderr)


def install() -> None:
    """Install the network-refusing audit hook and the quiet excepthooks, and turn core dumps
    off (a crash must not write the unlocked seed to disk). Idempotent."""
    global _installed  # noqa: PLW0603 - a process-wide, one-time installation
    if _installed:
        return
    sys.addaudithook(_audit)
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
    sys.unraisablehook = _unraisable_hook
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # lowering the hard limit is permanent
    _installed = True


def is_installed() -> bool:
    return _installed

