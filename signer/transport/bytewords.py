"""Bytewords (BCR-2020-012): bytes as 256 four-letter words, with a CRC-32 appended.

UR uses the minimal style (first and last letter of each word). Decoding is
case-insensitive and always checks the CRC-32; a bad one raises TransportError.
"""

import zlib
from enum import StrEnum

from signer.errors import TransportError

_WORDS_TEXT = (
    "ableacidalsoapexaquaarchatomauntawayaxisbackbaldbarnbeltbetabiasbluebodybragbrewbulbbuzz"
    "calmcashcatschefcityclawcodecolacookcostcruxcurlcuspcyandarkdatadaysdelidicedietdoordown"
    "drawdropdrumdulldutyeacheasyechoedgeepicevenexamexiteyesfactfairfernfigsfilmfishfizzflap"
    "flewfluxfoxyfreefrogfuelfundgalagamegeargemsgiftgirlglowgoodgraygrimgurugushgyrohalfhang"
    "hardhawkheathelphighhillholyhopehornhutsicedideaidleinchinkyintoirisironitemjadejazzjoin"
    "joltjowljudojugsjumpjunkjurykeepkenokeptkeyskickkilnkingkitekiwiknoblamblavalazyleaflegs"
    "liarlimplionlistlogoloudloveluaulucklungmainmanymathmazememomenumeowmildmintmissmonknail"
    "navyneednewsnextnoonnotenumbobeyoboeomitonyxopenovalowlspaidpartpeckplaypluspoempoolpose"
    "puffpumapurrquadquizraceramprealredorichroadrockroofrubyruinrunsrustsafesagascarsetssilk"
    "skewslotsoapsolosongstubsurfswantacotasktaxitenttiedtimetinytoiltombtoystriptunatwinugly"
    "undouniturgeuservastveryvetovialvibeviewvisavoidvowswallwandwarmwaspwavewaxywebswhatwhen"
    "whizwolfworkyankyawnyellyogayurtzapszerozestzinczonezoom"
)
WORDS: tuple[str, ...] = tuple(_WORDS_TEXT[i : i + 4] for i in range(0, 1024, 4))
_MINIMAL: tuple[str, ...] = tuple(word[0] + word[3] for word in WORDS)
_BYTE_OF_WORD = {word: index for index, word in enumerate(WORDS)}
_BYTE_OF_MINIMAL = {pair: index for index, pair in enumerate(_MINIMAL)}

_CRC_LEN = 4


class Style(StrEnum):
    STANDARD = "standard"  # words separated by spaces
    URI = "uri"  # words separated by hyphens
    MINIMAL = "minimal"  # first + last letter of each word, no separator (what UR uses)


def crc32_bytes(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


def encode(data: bytes, style: Style = Style.MINIMAL) -> str:
    """Bytewords of data followed by its big-endian CRC-32, lowercase."""
    framed = data + crc32_bytes(data)
    if style is Style.MINIMAL:
        return "".join([_MINIMAL[byte] for byte in framed])
    separator = " " if style is Style.STANDARD else "-"
    return separator.join([WORDS[byte] for byte in framed])


def decode(text: str, style: Style = Style.MINIMAL) -> bytes:
    """The payload of a bytewords string whose CRC-32 checks out; TransportError otherwise."""
    lowered = text.lower()
    try:
        if style is Style.MINIMAL:
            if len(lowered) % 2:
                raise TransportError("bytewords: odd number of letters (truncated?)")
            framed = bytes([_BYTE_OF_MINIMAL[lowered[i : i + 2]]
                            for i in range(0, len(lowered), 2)])
        else:
            separator = " " if style is Style.STANDARD else "-"
            framed = bytes([_BYTE_OF_WORD[word] for word in lowered.split(separator)])
    except KeyError as missing:
        raise TransportError(f"bytewords: {missing.args[0]!r} is not a byteword") from None
    if len(framed) < _CRC_LEN + 1:
        raise TransportError("bytewords: too short to hold data and a checksum")
    body, checksum = framed[:-_CRC_LEN], framed[-_CRC_LEN:]
    if crc32_bytes(body) != checksum:
        raise TransportError("bytewords: checksum mismatch (misread or corrupted QR)")
    return body
