"""Multisig and single-sig wallets: the model, parsing of wallet files, the registry."""
