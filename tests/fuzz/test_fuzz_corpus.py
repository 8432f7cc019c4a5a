"""Replay every saved fuzz finding (tests/fuzz/corpus/<target>/<file>) through its harness:
an input that once raised something other than an AirsignError must stay fixed.

Transport files hold one frame per line (.txt), or a JSON list of frames (.json) when a frame
itself contains a line break."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fuzzing import CORPUS, corpus
from test_fuzz_keystore import unlock_copy
from test_fuzz_psbt import sign_anything
from test_fuzz_transport import scan
from test_fuzz_wallet import register, verify_address

REPLAY: dict[str, Callable[[Path], None]] = {
    "psbt": lambda path: sign_anything(path.read_bytes()),
    "transport": lambda path: scan(json.loads(path.read_text()) if path.suffix == ".json"
                                   else path.read_text().splitlines()),
    "wallet": lambda path: register(path.read_text()),
    "address": lambda path: verify_address(json.loads(path.read_text())),
    "keystore": lambda path: unlock_copy(path.read_bytes()),
}
FILES = [(target, path) for target in REPLAY for path in corpus(target)]


def test_every_corpus_folder_has_a_harness() -> None:
    folders = {folder.name for folder in CORPUS.iterdir() if folder.is_dir()}
    assert folders <= REPLAY.keys()
    assert FILES, "the corpus is empty"


@pytest.mark.parametrize(("target", "path"), FILES, ids=[f"{t}/{p.name}" for t, p in FILES])
def test_corpus_input_replays_cleanly(target: str, path: Path) -> None:
    REPLAY[target](path)
