"""The deterministic cosigner kit under the name the wallet, fuzz and attack tests import.

Everything is defined once, in tests/independent/cosigners.py (the coordinator and the
benchmarks use it too).
"""

from independent.cosigners import MNEMONICS, key_expression, multisig_descriptor, root

__all__ = ["MNEMONICS", "key_expression", "multisig_descriptor", "root"]
