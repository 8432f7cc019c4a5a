"""Single-frame classification against public vectors (BIP-174/21/173/350/380, BIP-32/39)."""

import base64
import json

import pytest
import qrcode
import zxingcpp
from conftest import VECTORS, load_vectors
from embit import base58
from embit.bip32 import HDKey
from embit.descriptor.checksum import add_checksum
from pyzbar import pyzbar

from signer.errors import InvalidKey, InvalidMnemonic, InvalidWallet, TransportError
from signer.transport import base43
from signer.transport.single import classify
from signer.transport.types import Format, PayloadKind
from signer.wallet.formats import load_wallet

PSBTS = [bytes.fromhex(v["hex"]) for v in load_vectors("psbt/bip174_vectors.json")["valid"]]
BIP32 = load_vectors("bip32/bip32_vectors.json")["valid"]
BIP39_ENGLISH = load_vectors("bip39/vectors.json")["english"]
SEEDQR = load_vectors("seedqr/seedqr_vectors.json")["vectors"]
DESCRIPTORS = load_vectors("descriptors/descriptor_vectors.json")["vectors"]
ELECTRUM_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ$*+-./:"


def reference_base43(data: bytes) -> str:
    """Digit-by-digit base 43, leading zero bytes as '0' (written independently of base43.py)."""
    number = int(data.hex() or "0", 16)
    digits = ""
    while number > 0:
        digits = ELECTRUM_ALPHABET[number % 43] + digits
        number //= 43
    leading = len(data) - len(data.lstrip(b"\0"))
    return "0" * leading + digits


@pytest.mark.parametrize("psbt", PSBTS, ids=range(len(PSBTS)))
def test_psbt_in_every_single_frame_form(psbt):
    forms = {
        "base64": base64.b64encode(psbt).decode(),
        "hex": psbt.hex(),
        "base43": reference_base43(psbt),
        "binary": psbt,
    }
    for encoding, frame in forms.items():
        payload = classify(frame)
        assert (payload.kind, payload.data, payload.encoding) == (PayloadKind.PSBT, psbt, encoding)
        assert payload.format is Format.SINGLE


@pytest.mark.parametrize("size", [0, 1, 2, 20, 300, 3000])
def test_base43_matches_reference_implementation(size):
    data = bytes((i * 7 + 3) % 256 for i in range(size))
    for sample in (data, b"\0\0" + data, b"\xff" + data):
        assert base43.encode(sample) == reference_base43(sample)
        assert base43.decode(reference_base43(sample)) == sample


@pytest.mark.parametrize("name", ["last.txn", "nfc-result.txn", "devils-txn.txn"])
def test_transactions(name):
    raw = (VECTORS / "bbqr" / "test_data" / name).read_bytes()
    tx = bytes.fromhex(raw.decode()) if name == "devils-txn.txn" else raw
    assert classify(tx.hex()).kind is PayloadKind.TRANSACTION
    assert classify(tx.hex().upper()).data == tx
    assert classify(reference_base43(tx)).encoding == "base43"
    assert classify(tx).kind is PayloadKind.TRANSACTION


@pytest.mark.parametrize(
    ("uri", "address", "meta"),
    [
        # BIP-21's examples, with a valid address (the one in BIP-21 fails its checksum)
        (
            "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            {"network": "main"},
        ),
        (
            "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=20.3&label=Luke-Jr",
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            {"network": "main", "amount": "20.3", "label": "Luke-Jr"},
        ),
        (
            "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?label=Luke-Jr&message=Donation%20for"
            "%20project%20xyz",
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            {"network": "main", "label": "Luke-Jr", "message": "Donation for project xyz"},
        ),
        (
            "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?somethingyoudontunderstand=50",
            "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",
            {"network": "main"},
        ),
        # BIP-173 valid address in upper case, scheme in upper case (QR alphanumeric mode)
        (
            "BITCOIN:BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4?AMOUNT=0.001",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            {"network": "main", "amount": "0.001"},
        ),
    ],
)
def test_bip21_uris(uri, address, meta):
    payload = classify(uri)
    assert (payload.kind, payload.data, payload.meta) == (PayloadKind.ADDRESS, address, meta)


@pytest.mark.parametrize(
    "uri",
    [
        "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?req-somethingyoudontunderstand=50",
        "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=1.000000001",
        "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=1e5",
        "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=-1",
        "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2?amount=\u0661",
        "bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W",  # BIP-21's own example: bad checksum
        "bitcoin:1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",
        "bitcoin:?label=nothing",
    ],
)
def test_bad_bip21_uris(uri):
    with pytest.raises(TransportError) as caught:
        classify(uri)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "main"),  # P2PKH
        ("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "main"),  # P2SH
        ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "main"),  # BIP-173
        ("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "test"),  # BIP-173
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "main"),  # BIP-350
    ],
)
def test_bare_addresses(address, network):
    payload = classify(address)
    assert payload.kind is PayloadKind.ADDRESS
    expected = address.lower() if address[:3].lower() in ("bc1", "tb1") else address
    assert payload.data == expected
    assert payload.meta["network"] == network


def test_bech32_with_bad_checksum_or_wrong_variant_is_refused():
    with pytest.raises(TransportError, match="checksum"):
        classify("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")
    # BIP-350 invalid vector: a v1 program with a bech32 (not bech32m) checksum
    with pytest.raises(TransportError, match="checksum"):
        classify("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd")


def test_descriptor_checksums_follow_bip380():
    cases = [v for v in DESCRIPTORS if v["kind"] == "checksum"]
    assert len(cases) == 8
    for case in cases:
        if case["valid"]:
            assert classify(case["descriptor"]).kind is PayloadKind.DESCRIPTOR
        else:
            with pytest.raises(InvalidWallet):
                classify(case["descriptor"])


def test_valid_descriptors_from_the_bips_are_descriptors():
    valid = [v["descriptor"] for v in DESCRIPTORS if v["kind"] == "descriptor" and v["valid"]]
    assert len(valid) > 40
    for descriptor in valid:
        assert classify(descriptor).kind is PayloadKind.DESCRIPTOR, descriptor


def _with_version(xpub: str, version_hex: str) -> str:
    return base58.encode_check(bytes.fromhex(version_hex) + base58.decode_check(xpub)[4:])


def test_xpubs_with_and_without_origin_and_slip132():
    xpub = BIP32[0]["chains"][1]["ext_pub"]
    assert classify(xpub).meta == {"network": "main", "version": "xpub"}
    origin = classify(f"[D34DB33F/48'/0'/0'/2']{xpub}")
    assert origin.kind is PayloadKind.XPUB
    assert origin.meta["fingerprint"] == "d34db33f" and origin.meta["path"] == "m/48'/0'/0'/2'"
    # SLIP-132 version bytes: Zpub 02aa7ed3, zpub 04b24746, Vpub 02575483 (testnet)
    assert classify(_with_version(xpub, "02aa7ed3")).meta["version"] == "Zpub"
    assert classify(_with_version(xpub, "04b24746")).meta["version"] == "zpub"
    assert classify(_with_version(xpub, "02575483")).meta == {"network": "test", "version": "Vpub"}
    assert classify(_with_version(xpub, "043587cf")).meta["version"] == "tpub"
    damaged = xpub[:-1] + ("A" if xpub[-1] != "A" else "B")
    with pytest.raises(InvalidKey, match="checksum"):
        classify(damaged)


def test_wallet_files():
    descriptor = next(
        v["descriptor"]
        for v in DESCRIPTORS
        if v["kind"] == "descriptor" and v["descriptor"].startswith("wsh(")
    )
    specter = json.dumps({"label": "Family vault", "blockheight": 0, "descriptor": descriptor})
    assert classify(specter).kind is PayloadKind.WALLET_FILE
    assert classify(json.dumps({"hello": "world"})).kind is PayloadKind.TEXT
    xpub = BIP32[0]["chains"][1]["ext_pub"]
    coldcard = (
        "# Coldcard Multisig setup file\nName: Vault\nPolicy: 2 of 3\nFormat: P2WSH\n\n"
        f"Derivation: m/48'/0'/0'/2'\nD34DB33F: {xpub}\n"
    )
    payload = classify(coldcard)
    assert (payload.kind, payload.encoding) == (PayloadKind.WALLET_FILE, "coldcard")


@pytest.mark.parametrize("vector", BIP39_ENGLISH[:24:4], ids=lambda v: v[1].split()[0])
def test_bip39_words(vector):
    words = vector[1]
    payload = classify(words.upper() + "\n")
    assert (payload.kind, payload.data) == (PayloadKind.MNEMONIC, words)


@pytest.mark.parametrize("vector", BIP39_ENGLISH[:24:4], ids=lambda v: v[1].split()[0])
def test_coldcard_four_letter_words(vector):
    words = vector[1]
    abbreviated = " ".join(word[:4].upper() for word in words.split())
    payload = classify(abbreviated)
    assert (payload.kind, payload.data, payload.encoding) == (PayloadKind.MNEMONIC, words, "words")
    mixed = " ".join(w if i % 2 else w[:4] for i, w in enumerate(words.split()))
    assert classify(mixed).data == words


def test_prefixes_shorter_than_four_letters_name_no_word():
    words = BIP39_ENGLISH[4][1].split()  # "legal winner thank year wave ..."
    with pytest.raises(InvalidMnemonic) as caught:
        classify(" ".join(words[:5] + [words[5][:3]] + words[6:]))
    assert caught.value.word_index == 5


def test_bip39_words_with_a_bad_word_or_checksum():
    words = BIP39_ENGLISH[4][1].split()  # "legal winner thank year wave ..."
    with pytest.raises(InvalidMnemonic) as caught:
        classify(" ".join(words[:3] + ["yaer"] + words[4:]))
    assert caught.value.word_index == 3
    with pytest.raises(InvalidMnemonic, match="checksum"):
        classify(" ".join(words[1:] + words[:1]))
    ordinary = "the quick brown fox jumps over the lazy dog and then it rests well"
    assert classify(ordinary).kind is PayloadKind.TEXT


def test_seedqr_forms():
    vector = SEEDQR[5]  # 12 words, compact bytes contain 0x00 and \n
    raw = bytes.fromhex(vector["compact_seedqr_hex"])
    for frame, encoding in [
        (vector["standard_seedqr_digits"], "standard"),
        (raw, "compact"),
        (raw.decode("latin-1"), "compact"),
    ]:
        payload = classify(frame)
        assert (payload.kind, payload.data, payload.encoding) == (
            PayloadKind.SEEDQR,
            vector["mnemonic"],
            encoding,
        )


def test_everything_else_is_text_or_bytes_verbatim():
    assert classify("  Hello, airsign  ").data == "  Hello, airsign  "
    assert classify("DEADBEEF").kind is PayloadKind.TEXT  # hex and base43, but neither PSBT nor tx
    assert classify(bytes(range(200, 256))).kind is PayloadKind.BYTES


def test_line_wrapped_base64_psbt():
    text = base64.encodebytes(PSBTS[0]).decode()  # 76-character lines, as MIME wraps them
    assert "\n" in text.strip()
    assert classify(text).data == PSBTS[0]


def test_damaged_base64_psbt_is_refused():
    text = base64.b64encode(PSBTS[0]).decode()
    with pytest.raises(TransportError, match="does not decode"):
        classify(text[:-3])
    with pytest.raises(TransportError, match="does not decode"):
        classify(text[:20] + "\u00e9" + text[21:])  # non-ASCII: ValueError inside base64


def _read_back(content: bytes) -> tuple[bytes, bytes]:
    """What zxing-cpp and zbar hand over for a byte-mode QR holding content."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, box_size=4)
    code.add_data(content)
    code.make(fit=True)
    image = code.make_image().get_image().convert("L")
    return zxingcpp.read_barcodes(image)[0].bytes, pyzbar.decode(image)[0].data


@pytest.mark.parametrize("vector", SEEDQR, ids=[v["name"] for v in SEEDQR])
def test_compact_seedqr_as_real_readers_deliver_it(vector):
    raw = bytes.fromhex(vector["compact_seedqr_hex"])
    from_zxing, from_zbar = _read_back(raw)
    for delivered in (from_zxing, from_zbar, from_zbar.decode("utf-8"), raw.decode("latin-1")):
        payload = classify(delivered)
        assert (payload.kind, payload.data) == (PayloadKind.SEEDQR, vector["mnemonic"])


def test_accented_text_is_not_taken_for_a_seed():
    # Exactly 16 or 32 printable latin-1 characters with an accent stay ambiguous (a reader's
    # latin-1 reading of entropy looks the same) and are read as a compact SeedQR.
    for text in ("Grüße aus Köln!", "Grüße aus Köln!!!", "café crème brûlée au lait", "€" * 16):
        assert classify(text).kind is PayloadKind.TEXT


def _sparrow_style_export() -> str:
    keys = []
    for vector in BIP32[:3]:
        master = HDKey.from_seed(bytes.fromhex(vector["seed_hex"]))
        chain = vector["chains"][1]  # m/0' or m/0: depth 1
        keys.append(f"[{master.my_fingerprint.hex()}{chain['path'][1:]}]{chain['ext_pub']}")

    def line(suffix: str) -> str:
        body = f"wsh(sortedmulti(2,{','.join(key + suffix for key in keys)}))"
        return add_checksum(body)

    return (
        f"# Receive and change descriptor (BIP389):\n{line('/<0;1>/*')}\n\n"
        f"# Receive descriptor (Bitcoin Core):\n{line('/0/*')}\n"
        f"# Change descriptor (Bitcoin Core):\n{line('/1/*')}\n"
    )


def test_descriptor_lines_with_comments_are_a_wallet_file():
    export = _sparrow_style_export()
    payload = classify(export)
    assert (payload.kind, payload.encoding) == (PayloadKind.WALLET_FILE, "descriptors")
    assert load_wallet(payload.data).threshold == 2  # the wallet module reads it as a wallet
    multipath = export.splitlines()[1]
    assert classify(multipath).kind is PayloadKind.DESCRIPTOR
    damaged = export.replace(multipath, multipath[:-1] + ("q" if multipath[-1] != "q" else "p"))
    with pytest.raises(InvalidWallet, match="checksum"):
        classify(damaged)


def test_core_listdescriptors_json_is_a_wallet_file():
    document = {"wallet_name": "vault", "descriptors": [{"desc": "wsh(...)", "active": True}]}
    assert classify(json.dumps(document)).kind is PayloadKind.WALLET_FILE
