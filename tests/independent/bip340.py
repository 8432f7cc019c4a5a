"""BIP-340 Schnorr verification and the BIP-341 key tweak, in Python integers.

Transcribed from the pseudocode in BIP-340 ("Verification") and BIP-341
(taproot_tweak_pubkey); slow but independent of libsecp256k1.
"""

import hashlib

P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
G = (
    0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
    0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
)
Point = tuple[int, int] | None


def tagged_hash(tag: str, data: bytes) -> bytes:
    tag_hash = hashlib.sha256(tag.encode()).digest()
    return hashlib.sha256(tag_hash + tag_hash + data).digest()


def point_add(p1: Point, p2: Point) -> Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    if p1[0] == p2[0] and p1[1] != p2[1]:
        return None
    if p1 == p2:
        lam = 3 * p1[0] * p1[0] * pow(2 * p1[1], P - 2, P) % P
    else:
        lam = (p2[1] - p1[1]) * pow(p2[0] - p1[0], P - 2, P) % P
    x3 = (lam * lam - p1[0] - p2[0]) % P
    return x3, (lam * (p1[0] - x3) - p1[1]) % P


def point_mul(point: Point, scalar: int) -> Point:
    result = None
    for bit in range(256):
        if (scalar >> bit) & 1:
            result = point_add(result, point)
        point = point_add(point, point)
    return result


def lift_x(x: int) -> Point:
    if x >= P:
        return None
    y_sq = (pow(x, 3, P) + 7) % P
    y = pow(y_sq, (P + 1) // 4, P)
    if pow(y, 2, P) != y_sq:
        return None
    return x, y if y % 2 == 0 else P - y


def verify(pubkey: bytes, message: bytes, signature: bytes) -> bool:
    """BIP-340 Verify(pk, m, sig) for a 32-byte x-only key and a 64-byte signature."""
    if len(pubkey) != 32 or len(signature) != 64:
        return False
    point = lift_x(int.from_bytes(pubkey, "big"))
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if point is None or r >= P or s >= N:
        return False
    e = int.from_bytes(tagged_hash("BIP0340/challenge", signature[:32] + pubkey + message),
                       "big") % N
    result = point_add(point_mul(G, s), point_mul(point, N - e))
    return result is not None and result[1] % 2 == 0 and result[0] == r


def taproot_output_key(internal_key: bytes, merkle_root: bytes = b"") -> bytes:
    """BIP-341 taproot_tweak_pubkey: the x-only output key (BIP-86: empty merkle root)."""
    point = lift_x(int.from_bytes(internal_key, "big"))
    assert point is not None
    tweak = int.from_bytes(tagged_hash("TapTweak", internal_key + merkle_root), "big")
    assert tweak < N
    tweaked = point_add(point, point_mul(G, tweak))
    assert tweaked is not None
    return tweaked[0].to_bytes(32, "big")
