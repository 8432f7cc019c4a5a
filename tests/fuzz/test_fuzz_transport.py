"""Fuzz the QR Assembler in every format (UR, BBQr, pMofN, single frames), the SeedQR
decoder and seed import from what a scan yields: sequences of real frames, mutated, dropped,
repeated and reordered, mixed with arbitrary text and bytes. Only AirsignError subclasses
(TransportError and its kin) may come out, and a completed scan must hand over a payload."""

from conftest import load_vectors
from fuzzing import FUZZ, check_clean, mutated, mutated_text
from hypothesis import given
from hypothesis import strategies as st
from independent.coordinator import Pay, Spend, build_psbt, external_script, make_wallet

from signer.errors import AirsignError, SequenceMismatch
from signer.seed.importing import SEED_KINDS, words_from_payload
from signer.transport import seedqr, ur, urtypes
from signer.transport.assembler import Assembler
from signer.transport.encoders import encode_frames
from signer.transport.types import Format, Payload, PayloadKind

VAULT = make_wallet()
PSBT = build_psbt([Spend(VAULT, False, i, 50_000 + i) for i in range(4)],
                  [Pay(150_000, external_script()), Pay(40_000, wallet=VAULT)]).serialize()
DESCRIPTOR = VAULT.wallet.descriptor()
WORDS = ["abandon"] * 11 + ["about"]


def _frames(fmt: Format, payload: Payload | bytes, count: int = 0, **options: str) -> list[str]:
    sequence = encode_frames(payload, fmt, density="low", **options)
    if fmt is Format.UR:  # pure parts, then some mixed fountain parts
        total = len(sequence.frames) + count
        return [str(sequence.next_frame()) for _ in range(total)]
    return [str(frame) for frame in sequence.frames]


TEXT = Payload(PayloadKind.DESCRIPTOR, DESCRIPTOR, Format.SINGLE)
SEQUENCES = {
    "ur-psbt": _frames(Format.UR, PSBT, count=6),
    "ur-descriptor": _frames(Format.UR, TEXT, count=3),
    "bbqr-psbt-z": _frames(Format.BBQR, PSBT, encoding="Z"),
    "bbqr-psbt-2": _frames(Format.BBQR, PSBT, encoding="2"),
    "bbqr-descriptor": _frames(Format.BBQR, TEXT),
    "pmofn-psbt": _frames(Format.PMOFN, PSBT),
    "pmofn-descriptor": _frames(Format.PMOFN, TEXT),
}
SINGLES = [frame for frames in SEQUENCES.values() for frame in frames[:2]] + [
    DESCRIPTOR, seedqr.encode_standard(WORDS), VAULT.wallet.address(False, 0),
    VAULT.wallet.keys[1].xpub.to_base58(), " ".join(WORDS),
]
# Typed UR bodies for the CBOR harness: BCR examples plus our own descriptor and PSBT.
UR_BODIES = [ur.decode_single(example["ur"]) for example in
             load_vectors("ur/bcr_ur_examples.json")["examples"]
             if "/" in example["ur"] and example["ur"].count("/") == 1]
UR_BODIES += [urtypes.descriptor_to_ur(DESCRIPTOR), urtypes.descriptor_to_ur(DESCRIPTOR, False),
              urtypes.psbt_to_ur(PSBT), urtypes.bytes_ur(DESCRIPTOR.encode())]


def scan(frames: list[str | bytes]) -> None:
    """What the scan screen does: feed frames; on a refusal of a part, go on with the next
    one; on a sequence mismatch, start over with that frame (as the UI does)."""
    assembler = Assembler(max_bytes=200_000)
    for frame in frames:
        try:
            assembler.receive(frame)
        except AirsignError as error:
            check_clean(error)
            if isinstance(error, SequenceMismatch):
                assembler.reset()
        if assembler.is_complete:
            payload = assembler.result()
            assert isinstance(payload, Payload)
            if payload.kind in SEED_KINDS:  # what the seed-import screen does next
                try:
                    words_from_payload(payload)
                except AirsignError as error:
                    check_clean(error)
            assembler.reset()


@st.composite
def damaged_sequence(draw: st.DrawFn) -> list[str | bytes]:
    frames: list[str | bytes] = list(draw(st.sampled_from(sorted(SEQUENCES.values()))))
    frames = draw(st.permutations(frames))
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(frames) - 1))
        action = draw(st.sampled_from(["mutate", "drop", "repeat", "foreign", "binary"]))
        if action == "mutate":
            frames[position] = draw(mutated_text([str(frames[position])], max_edits=2))
        elif action == "drop" and len(frames) > 1:
            del frames[position]
        elif action == "repeat":
            frames.insert(position, frames[draw(st.integers(0, len(frames) - 1))])
        elif action == "foreign":
            frames.insert(position, draw(st.sampled_from(SINGLES)))
        else:
            frames.insert(position, draw(st.binary(max_size=64)))
    return frames


@FUZZ
@given(damaged_sequence())
def test_fuzz_animated_sequences(frames: list[str | bytes]) -> None:
    scan(frames)


@FUZZ
@given(st.one_of(mutated_text(SINGLES), st.text(max_size=300), st.binary(max_size=300),
                 mutated([single.encode("utf-8") for single in SINGLES])))
def test_fuzz_single_frames(frame: str | bytes) -> None:
    scan([frame])


@st.composite
def ur_with_mutated_cbor(draw: st.DrawFn) -> str:
    """A well-formed single-part UR (valid bytewords checksum) around mutated CBOR, so the
    CBOR reader and the UR type parsers (crypto-output, crypto-account, psbt...) are reached."""
    body = draw(st.sampled_from(UR_BODIES))
    ur_type = draw(st.sampled_from([body.type, "crypto-output", "crypto-account",
                                    "crypto-psbt", "bytes"]))
    return ur.encode_single(ur.UR(ur_type, draw(mutated([body.cbor], max_edits=3))))


@FUZZ
@given(ur_with_mutated_cbor())
def test_fuzz_ur_cbor_contents(frame: str) -> None:
    scan([frame])


@FUZZ
@given(st.one_of(st.text(alphabet="0123456789", max_size=120), st.binary(max_size=40),
                 mutated_text([seedqr.encode_standard(WORDS)]),
                 mutated([seedqr.encode_compact(WORDS)])))
def test_fuzz_seedqr_decoder(data: str | bytes) -> None:
    try:
        words = seedqr.decode(data)
    except AirsignError as error:
        check_clean(error)
    else:
        assert len(words) in (12, 24)
