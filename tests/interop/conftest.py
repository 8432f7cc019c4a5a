"""The interop suite: real coordinator software produces requests and reads airsign's replies.

Run by `make interop` (not by `make test`: it needs Node.js and npm installs). The JS half
lives in tests/interop/js (package-lock.json pins every library); Electrum's half uses Debian's
python3-electrum. A library that cannot be installed fails the suite, never skips it.
"""

import pytest

from interop.interop_kit import install_coordinators


@pytest.fixture(scope="session")
def coordinators() -> None:
    """Node.js and the locked npm libraries are installed (installing them when missing)."""
    try:
        install_coordinators()
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)
