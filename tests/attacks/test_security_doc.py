"""docs/SECURITY.md stays true to the tests: every corpus case is in its tables, and every
test it cites as evidence exists."""

import re
from pathlib import Path

from hostile_payloads import CASES as PAYLOAD_CASES
from hostile_psbts import CASES as PSBT_CASES

REPO = Path(__file__).resolve().parents[2]
DOC = (REPO / "docs" / "SECURITY.md").read_text()


def test_every_corpus_case_is_documented_with_its_file_and_test() -> None:
    for case in PSBT_CASES:
        assert f"| {case.name} | `corpus/psbt/{case.name}.psbt` |" in DOC, case.name
        assert f"`test_hostile_psbt[{case.name}]`" in DOC
    for case in PAYLOAD_CASES:
        assert f"| {case.name} | `corpus/{case.kind}/{case.name}.txt` |" in DOC, case.name


def test_every_cited_test_exists() -> None:
    cited = set(re.findall(r"`(?:[\w/.]*::)?(test_\w+)(?!\w|\.py)", DOC))
    defined = {name for path in (REPO / "tests").rglob("test_*.py")
               for name in re.findall(r"^def (test_\w+)", path.read_text(), re.MULTILINE)}
    assert len(cited) > 20
    assert cited <= defined, sorted(cited - defined)


def test_readmes_name_the_cipher_the_keystore_uses() -> None:
    from signer.keystore.fileformat import AEAD_NAME

    for readme in (REPO / "README.md", REPO / "image-build" / "files" / "keystore-README.txt"):
        text = " ".join(readme.read_text().split())
        assert f"Argon2id + {AEAD_NAME}" in text or f"encrypted with {AEAD_NAME}" in text, readme
        assert "AES-256-GCM" not in text, readme
