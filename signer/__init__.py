"""airsign's domain logic: keys, keystore, wallets, PSBT review and signing, QR transport.

No hardware and no UI here: a library a stranger can use on its own.
"""
