// @scure/btc-signer as a multisig coordinator: its own BIP-143 digest checks airsign's
// signatures, it adds a second cosigner's (a @scure/bip32 master key, matched by the PSBT's
// key origins), finalizes and extracts; `combine` merges signatures-only replies first.
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { HDKey } from "@scure/bip32";
import { SigHash, Transaction } from "@scure/btc-signer";
import { run } from "./cli.mjs";

const fromBase64 = (text) => Transaction.fromPSBT(Buffer.from(text, "base64"));

// Every input's partial signatures verify under scure's own digest; how many each has.
function checkSignatures(tx) {
  const counts = [];
  for (let index = 0; index < tx.inputsLength; index++) {
    const input = tx.getInput(index);
    const signatures = input.partialSig || [];
    if (!signatures.length) throw new Error(`input ${index} has no signature`);
    for (const [pubkey, signature] of signatures) {
      const hashType = signature[signature.length - 1];
      if (hashType !== SigHash.ALL) throw new Error(`input ${index}: sighash ${hashType}, not ALL`);
      const digest = tx.preimageWitnessV0(index, input.witnessScript, hashType, input.witnessUtxo.amount);
      const ok = secp256k1.verify(signature.subarray(0, -1), digest, pubkey, { prehash: false, format: "der" });
      if (!ok) throw new Error(`input ${index}: a signature does not verify`);
    }
    counts.push(signatures.length);
  }
  return counts;
}

function complete(tx, cosignerXprv) {
  const verified = checkSignatures(tx);
  if (!tx.sign(HDKey.fromExtendedKey(cosignerXprv))) throw new Error("the cosigner signed nothing");
  checkSignatures(tx);
  tx.finalize();
  return { verified, txid: tx.id, hex: Buffer.from(tx.extract()).toString("hex") };
}

run({
  finalize({ psbt, cosigner }) {
    return complete(fromBase64(psbt), cosigner);
  },
  combine({ psbt, replies, cosigner }) {
    const own = fromBase64(psbt);
    for (const reply of replies) own.combine(fromBase64(reply));
    return complete(own, cosigner);
  },
});
