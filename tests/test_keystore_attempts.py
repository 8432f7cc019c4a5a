"""Failed unlock attempts: the counter, the growing delay, reset on success, optional wipe."""

import json
from pathlib import Path

import pytest
from conftest import CHEAP_KDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signer.errors import KeystoreLockedOut, UnlockFailed
from signer.keystore import KdfParams, Keystore
from signer.keystore.attempts import MAX_DELAY_SECONDS, delay_after

ABANDON = "abandon " * 11 + "about"
START = 1_800_000_000.0


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def path(tmp_path: Path, clock: FakeClock) -> Path:
    target = tmp_path / "keystore"
    Keystore.create(target, ABANDON, "right", kdf=CHEAP_KDF, kdf_cost_check=False,
                    clock=clock).lock()
    return target


def attempt(path: Path, passphrase: str, clock: FakeClock) -> None:
    Keystore.unlock(path, passphrase, kdf_cost_check=False, clock=clock).lock()


def set_wipe_threshold(path: Path, clock: FakeClock, threshold: int) -> None:
    ks = Keystore.unlock(path, "right", kdf_cost_check=False, clock=clock)
    ks.settings.wipe_after_failures = threshold
    ks.save()
    ks.lock()


def test_delay_schedule() -> None:
    assert [delay_after(n) for n in range(1, 8)] == [0, 0, 0, 10, 20, 40, 80]
    assert delay_after(40) == delay_after(100_000) == MAX_DELAY_SECONDS
    assert all(delay_after(n) <= delay_after(n + 1) for n in range(60))


def test_growing_delay_then_reset_on_success(path: Path, clock: FakeClock) -> None:
    for expected in (1, 2, 3):
        with pytest.raises(UnlockFailed):
            attempt(path, "wrong", clock)
        assert Keystore.info(path, clock=clock).failed_attempts == expected
        assert Keystore.info(path, clock=clock).wait_seconds == 0
    with pytest.raises(UnlockFailed):
        attempt(path, "wrong", clock)  # the 4th failure starts the delay
    assert Keystore.info(path, clock=clock).wait_seconds == 10

    # While the delay runs even the right passphrase is not tried, and nothing is counted.
    with pytest.raises(KeystoreLockedOut, match="try again in 10 s"):
        attempt(path, "right", clock)
    clock.now += 9.5
    with pytest.raises(KeystoreLockedOut, match="try again in 1 s"):
        attempt(path, "wrong", clock)
    assert Keystore.info(path, clock=clock).failed_attempts == 4

    clock.now += 0.5
    with pytest.raises(UnlockFailed):
        attempt(path, "wrong", clock)
    assert Keystore.info(path, clock=clock).wait_seconds == 20
    clock.now += 20
    attempt(path, "right", clock)
    info = Keystore.info(path, clock=clock)
    assert (info.failed_attempts, info.wait_seconds) == (0, 0)
    assert not path.with_name("keystore.attempts").exists()


def test_clock_set_back_does_not_lock_out_longer(path: Path, clock: FakeClock) -> None:
    for _ in range(4):
        with pytest.raises(UnlockFailed):
            attempt(path, "wrong", clock)
    clock.now -= 365 * 24 * 3600  # a Pi without RTC booted with an old date
    assert Keystore.info(path, clock=clock).wait_seconds == 10


def test_attempt_counted_before_the_kdf_runs(
    path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cutting the power during the slow KDF must not give a free guess."""

    def power_cut(self: KdfParams, passphrase: str, salt: bytes) -> bytearray:
        raise KeyboardInterrupt

    monkeypatch.setattr(KdfParams, "derive_key", power_cut)
    with pytest.raises(KeyboardInterrupt):
        attempt(path, "right", clock)
    monkeypatch.undo()
    assert Keystore.info(path, clock=clock).failed_attempts == 1


def test_damaged_counter_file_counts_as_one_failure(path: Path, clock: FakeClock) -> None:
    path.with_name("keystore.attempts").write_text("{not json")
    assert Keystore.info(path, clock=clock).failed_attempts == 1
    attempt(path, "right", clock)
    assert Keystore.info(path, clock=clock).failed_attempts == 0


def test_no_wipe_by_default(path: Path, clock: FakeClock) -> None:
    for _ in range(12):
        with pytest.raises(UnlockFailed):
            attempt(path, "wrong", clock)
        clock.now += MAX_DELAY_SECONDS
    attempt(path, "right", clock)


def test_wipe_after_threshold(path: Path, clock: FakeClock) -> None:
    set_wipe_threshold(path, clock, 3)
    assert Keystore.info(path, clock=clock).wipe_after_failures == 3
    with pytest.raises(UnlockFailed, match="2 attempts left"):
        attempt(path, "wrong", clock)
    with pytest.raises(UnlockFailed, match="1 attempt left"):
        attempt(path, "wrong", clock)
    assert path.exists()
    with pytest.raises(UnlockFailed, match="wiped"):
        attempt(path, "wrong", clock)
    assert not Keystore.exists(path)
    assert list(path.parent.iterdir()) == []


def test_success_resets_the_wipe_count(path: Path, clock: FakeClock) -> None:
    set_wipe_threshold(path, clock, 2)
    with pytest.raises(UnlockFailed, match="1 attempt left"):
        attempt(path, "wrong", clock)
    attempt(path, "right", clock)
    with pytest.raises(UnlockFailed, match="1 attempt left"):
        attempt(path, "wrong", clock)
    assert path.exists()


def test_wipe_enforced_before_trying_a_passphrase(path: Path, clock: FakeClock) -> None:
    """An interrupted wipe (counter at the threshold, file still there) completes on the next
    attempt, whatever passphrase is given: the threshold comes from the header."""
    set_wipe_threshold(path, clock, 2)
    path.with_name("keystore.attempts").write_text(json.dumps({"failures": 2, "not_before": 0}))
    with pytest.raises(UnlockFailed, match="wiped"):
        attempt(path, "right", clock)
    assert not path.exists()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    content=st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda f, t: json.dumps({"failures": f, "not_before": t}),
            st.one_of(st.integers(), st.floats(allow_nan=True), st.text(max_size=5), st.none()),
            st.one_of(
                st.floats(allow_nan=True, allow_infinity=True), st.integers(), st.text(max_size=5)
            ),
        ),
    )
)
def test_any_counter_file_content_is_handled(path: Path, clock: FakeClock, content: str) -> None:
    path.with_name("keystore.attempts").write_text(content)
    info = Keystore.info(path, clock=clock)
    assert info.failed_attempts >= 0
    assert 0 <= info.wait_seconds <= MAX_DELAY_SECONDS


def test_confirm_passphrase_counts_like_unlock(path: Path, clock: FakeClock) -> None:
    ks = Keystore.unlock(path, "right", kdf_cost_check=False, clock=clock)
    ks.confirm_passphrase("right")
    for expected in (1, 2, 3, 4):
        with pytest.raises(UnlockFailed):
            ks.confirm_passphrase("wrong")
        assert Keystore.info(path, clock=clock).failed_attempts == expected
    with pytest.raises(KeystoreLockedOut):
        ks.confirm_passphrase("right")
    clock.now += 10
    ks.confirm_passphrase("right")
    assert Keystore.info(path, clock=clock).failed_attempts == 0
    assert ks.mnemonic_words() == ABANDON.split()
    ks.lock()


def test_confirm_passphrase_wipe_locks_the_session(path: Path, clock: FakeClock) -> None:
    set_wipe_threshold(path, clock, 2)
    ks = Keystore.unlock(path, "right", kdf_cost_check=False, clock=clock)
    ks.settings.wipe_after_failures = 0  # not saved: the threshold on disk still applies
    with pytest.raises(UnlockFailed, match="1 attempt left"):
        ks.confirm_passphrase("wrong")
    with pytest.raises(UnlockFailed, match="wiped"):
        ks.confirm_passphrase("wrong")
    assert ks.locked and not path.exists()
