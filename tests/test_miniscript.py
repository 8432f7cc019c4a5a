"""Miniscript parsing, types and scripts against other implementations' published vectors
(Bitcoin Core's miniscript_tests.cpp, and the C++/Rust sample lists kept by python-bip380),
and the policy in words for the wallet shapes coordinators such as Liana produce."""

import json

import pytest
from conftest import VECTORS

from signer.errors import InvalidWallet
from signer.wallet.miniscript import Context, check_sane, compile_script, parse
from signer.wallet.policy import describe_policy, spending_paths

SAMPLES = VECTORS / "miniscript"
VALID = [line.rsplit(" ", 1) for line in (SAMPLES / "valid_samples.txt").read_text().splitlines()
         if line.strip()]
INVALID = [line.strip() for line in (SAMPLES / "invalid_samples.txt").read_text().splitlines()
           if line.strip()]
CORE = json.loads((SAMPLES / "core_cases.json").read_text())["cases"]


def _hex_key(text: str, position: int) -> bytes:
    key = bytes.fromhex(text)
    assert len(key) == 33
    return key


def _letter_key(text: str, position: int) -> str:
    return text


@pytest.mark.parametrize("expression, script", VALID, ids=[e[:40] for e, _ in VALID])
def test_valid_samples_compile_to_their_scripts(expression: str, script: str) -> None:
    node = parse(expression, _hex_key, Context.P2WSH)
    assert "B" in node.type
    assert compile_script(node, lambda key: key, Context.P2WSH).hex() == script


@pytest.mark.parametrize("expression", INVALID)
def test_invalid_samples_are_refused(expression: str) -> None:
    try:
        node = parse(expression, _hex_key, Context.P2WSH)
    except InvalidWallet:
        return
    assert "B" not in node.type, f"{expression} was accepted as a complete miniscript"


@pytest.mark.parametrize("case", CORE, ids=[c["ms"][:40] for c in CORE])
def test_core_cases_scripts_and_properties(case: dict) -> None:
    node = parse(case["ms"], _hex_key, Context.P2WSH)
    assert compile_script(node, lambda key: key, Context.P2WSH).hex() == case["p2wsh"]
    assert ("m" in node.type) == case["nonmal"]
    assert ("s" in node.type) == case["needsig"]
    assert ("k" not in node.type) == case["timelockmix"]
    if case["tapscript"] is None:
        with pytest.raises(InvalidWallet):
            parse(case["ms"], _hex_key, Context.TAPSCRIPT)
    else:
        tap = parse(case["ms"], _hex_key, Context.TAPSCRIPT)
        expected = case["p2wsh"] if case["tapscript"] == "=" else case["tapscript"]
        assert compile_script(tap, lambda key: key[1:], Context.TAPSCRIPT).hex() == expected


@pytest.mark.parametrize("case", CORE, ids=[c["ms"][:40] for c in CORE])
def test_only_sane_policies_pass_the_sanity_check(case: dict) -> None:
    node = parse(case["ms"], _hex_key, Context.P2WSH)
    sane = case["nonmal"] and case["needsig"] and not case["timelockmix"]
    if sane:
        check_sane(node, bytes, Context.P2WSH)
    else:
        with pytest.raises(InvalidWallet):
            check_sane(node, bytes, Context.P2WSH)


def test_multi_a_is_tapscript_only_and_compiles_to_checksigadd() -> None:
    keys = ["02" + "11" * 32, "03" + "22" * 32, "02" + "33" * 32]
    text = f"multi_a(2,{','.join(keys)})"
    with pytest.raises(InvalidWallet, match="only valid in tapscript"):
        parse(text, _hex_key, Context.P2WSH)
    node = parse(text, _hex_key, Context.TAPSCRIPT)
    script = compile_script(node, lambda key: key[1:], Context.TAPSCRIPT).hex()
    # BIP-342: <A> CHECKSIG <B> CHECKSIGADD <C> CHECKSIGADD 2 NUMEQUAL
    assert script == ("20" + "11" * 32 + "ac" + "20" + "22" * 32 + "ba" + "20" + "33" * 32
                      + "ba" + "52" + "9c")


@pytest.mark.parametrize("expression, why", [
    ("or_b(pk(A),s:pk(A))", "same key twice"),
    ("and_v(v:after(100),after(1000000000))", "mixes"),
    ("older(144)", "without any signature"),
    ("or_i(pk(A),pk(B))", None),
])
def test_sanity_reasons(expression: str, why: str | None) -> None:
    node = parse(expression, _letter_key, Context.P2WSH)
    if why is None:
        check_sane(node, str, Context.P2WSH)
    else:
        with pytest.raises(InvalidWallet, match=why):
            check_sane(node, str, Context.P2WSH)


def test_hostile_nesting_is_refused_cleanly() -> None:
    with pytest.raises(InvalidWallet, match="nested"):
        parse("n:" * 10 + "and_v(" * 200 + "1" + ",1)" * 200, _letter_key, Context.P2WSH)


@pytest.mark.parametrize("expression, words", [
    ("or_d(multi(2,A,B,C),and_v(v:pkh(D),older(52560)))",
     "any 2 of A, B, C, at any time — or D alone, once a coin has not moved for 52,560 "
     "blocks (about 1 year)"),
    ("or_d(pk(A),and_v(v:pkh(B),older(4320)))",
     "A alone, at any time — or B alone, once a coin has not moved for 4,320 blocks "
     "(about 1 month)"),
    ("or_d(multi(2,A,B,C),or_i(and_v(v:pkh(D),older(4320)),and_v(v:multi(2,E,F),older(8640))))",
     "any 2 of A, B, C, at any time — or D alone, once a coin has not moved for 4,320 blocks "
     "(about 1 month) — or all of E, F, once a coin has not moved for 8,640 blocks (about 2 "
     "months)"),
    ("and_v(v:pk(A),after(1767225600))", "A alone, after 2026-01-01 00:00 UTC"),
    ("or_d(pk(A),and_v(v:pkh(B),older(4194484)))",
     "A alone, at any time — or B alone, once a coin has not moved for 92,160 seconds "
     "(about 1 day)"),
])
def test_policy_in_words(expression: str, words: str) -> None:
    node = parse(expression, _letter_key, Context.P2WSH)
    names = sorted(set(node.all_keys))
    assert describe_policy(spending_paths(node, names.index), names) == words


def test_spending_path_availability_follows_bip68_and_bip65() -> None:
    node = parse("or_d(multi(2,A,B,C),and_v(v:pkh(D),older(52560)))", _letter_key,
                 Context.P2WSH)
    names = sorted(set(node.all_keys))
    now, recovery = spending_paths(node, names.index)
    assert now.available(0xFFFFFFFD, 0, 2)
    assert not recovery.available(0xFFFFFFFD, 0, 2)
    assert not recovery.available(52559, 0, 2)
    assert recovery.available(52560, 0, 2)
    assert not recovery.available(52560, 0, 1)  # BIP-68 needs version 2
    assert not recovery.available(52560 | (1 << 22), 0, 2)  # a time lock, not blocks
    assert recovery.missing(frozenset({names.index("D")})) == ()
    timelocked = parse("and_v(v:pk(A),after(800000))", _letter_key, Context.P2WSH)
    (path,) = spending_paths(timelocked, ["A"].index)
    assert path.available(0xFFFFFFFE, 800000, 2)
    assert not path.available(0xFFFFFFFF, 800000, 2)  # a final sequence disables nLockTime
    assert not path.available(0xFFFFFFFE, 799999, 2)
    assert not path.available(0xFFFFFFFE, 1_700_000_000, 2)  # a time, not a height
