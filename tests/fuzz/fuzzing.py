"""Shared pieces of the fuzz harnesses: hypothesis profiles, a byte/text mutator, the corpus.

Profiles (HYPOTHESIS_PROFILE): "fuzz" (default: the short run inside `make test`, the whole
fuzz suite well under a minute) and "long" (`make fuzz`: 100x the examples). They are applied
per harness with `@FUZZ`, so loading them changes nothing for the other tests.

The rule every harness checks: a hostile input may only raise an AirsignError subclass, with
a one-line message. Any other exception is a bug; its input goes to corpus/<target>/ and is
replayed by test_fuzz_corpus.py forever after.
"""

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from signer.errors import AirsignError

CORPUS = Path(__file__).resolve().parent / "corpus"

settings.register_profile("fuzz", max_examples=1500, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.register_profile("long", parent=settings.get_profile("fuzz"), max_examples=150_000)
LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
FUZZ = settings.get_profile("long" if LONG else "fuzz")


def scaled(count: int) -> settings:
    """FUZZ with a harness-specific example count (for harnesses slower per example)."""
    return settings(FUZZ, max_examples=count * (100 if LONG else 1))


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes], max_edits: int = 4) -> bytes:
    """One of seeds with 1..max_edits random edits: overwrite, cut, delete, insert, repeat."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, max_edits))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "cut", "delete", "insert", "repeat"]))
        if action == "flip" and position < len(data):
            data[position] ^= draw(st.integers(1, 255))
        elif action == "cut":
            del data[position:]
        elif action == "delete":
            del data[position:position + draw(st.integers(1, 16))]
        elif action == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[position:position] = data[position:position + draw(st.integers(1, 64))]
    return bytes(data)


def mutated_text(seeds: list[str], max_edits: int = 4) -> st.SearchStrategy[str]:
    """Text seeds mutated as bytes, then read back as text (undecodable bytes replaced)."""
    encoded = [seed.encode("utf-8") for seed in seeds]
    return mutated(encoded, max_edits).map(lambda raw: raw.decode("utf-8", "replace"))


def check_clean(error: AirsignError) -> None:
    """What a refusal must look like: one non-empty line. (Other control characters echoed
    from a hostile input are escaped where messages are printed: signer.hygiene.printable.)"""
    message = str(error)
    assert len(message.splitlines()) == 1, f"{type(error).__name__}: {message!r}"


def corpus(target: str) -> list[Path]:
    """Saved inputs of one target (files under corpus/<target>/), sorted by name."""
    folder = CORPUS / target
    return sorted(folder.iterdir()) if folder.is_dir() else []
