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
