"""ECDSA verification over secp256k1 with `cryptography` (OpenSSL), not embit: the check every
test applies to a signature airsign made."""

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed


def ecdsa_valid(pubkey_sec: bytes, der: bytes, digest: bytes) -> bool:
    """True if `der` (without the sighash byte) signs the 32-byte `digest` for `pubkey_sec`."""
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), pubkey_sec)
    try:
        public.verify(der, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        return False
    return True


def recover_pubkey(digest: bytes, r: int, s: int, recovery_id: int) -> bytes:
    """SEC 1 §4.1.6 public key recovery in Python integers: the compressed key that made (r, s).

    Independent of libsecp256k1 (the legacy message format's check)."""
    from independent.bip340 import G, N, P, point_add, point_mul

    x = r + (recovery_id >> 1) * N
    y_sq = (pow(x, 3, P) + 7) % P
    y = pow(y_sq, (P + 1) // 4, P)
    if y % 2 != recovery_id & 1:
        y = P - y
    e = int.from_bytes(digest, "big")
    r_inverse = pow(r, N - 2, N)
    point = point_mul(point_add(point_mul((x, y), s), point_mul(G, (N - e) % N)), r_inverse)
    assert point is not None
    return bytes([2 + (point[1] & 1)]) + point[0].to_bytes(32, "big")
