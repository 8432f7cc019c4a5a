// @scure/btc-signer as a multisig coordinator: it builds the spend; its own BIP-143 digest
// checks airsign's signatures, it adds a second cosigner's (a @scure/bip32 master key, matched by the PSBT's
// key origins), finalizes and extracts; `combine` merges signatures-only replies first.
import { createHash } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { HDKey } from "@scure/bip32";
import { SigHash, TEST_NETWORK, Transaction, bip32Path, p2ms, p2wpkh, p2wsh } from "@scure/btc-signer";
import { run } from "./cli.mjs";

const TPUB = { private: 0x04358394, public: 0x043587cf };
const sha256 = (text) => createHash("sha256").update(text).digest();

// The wallet's sortedmulti P2WSH at (chain, index) with every cosigner's key origin.
function walletScript(wallet, chain, index) {
  const keys = wallet.cosigners.map((cosigner) => ({
    pubkey: HDKey.fromExtendedKey(cosigner.xpub, TPUB).deriveChild(chain).deriveChild(index).publicKey,
    origin: { fingerprint: parseInt(cosigner.fingerprint, 16), path: bip32Path(`${cosigner.path}/${chain}/${index}`) },
  }));
  keys.sort((a, b) => Buffer.compare(Buffer.from(a.pubkey), Buffer.from(b.pubkey)));
  const payment = p2wsh(p2ms(wallet.threshold, keys.map((key) => key.pubkey)), TEST_NETWORK);
  return { payment, bip32Derivation: keys.map((key) => [key.pubkey, key.origin]) };
}

// The same kind of spend as bitcoinjs.mjs builds, made by scure's own code.
function build({ wallet, amount, pay, fee, label }) {
  const coin = walletScript(wallet, 0, 3);
  const funding = new Transaction({ allowUnknownInputs: true });
  funding.addInput({ txid: sha256(label), index: 0 });
  funding.addOutput({ script: coin.payment.script, amount: BigInt(amount) });
  const change = walletScript(wallet, 1, 5);
  const payee = p2wpkh(secp256k1.getPublicKey(sha256(`${label} payee`)), TEST_NETWORK).address;
  const tx = new Transaction();
  tx.addInput({
    txid: funding.id, index: 0, sequence: 0xfffffffd,
    nonWitnessUtxo: funding.unsignedTx,
    witnessUtxo: { script: coin.payment.script, amount: BigInt(amount) },
    witnessScript: coin.payment.witnessScript, bip32Derivation: coin.bip32Derivation,
  });
  tx.addOutputAddress(payee, BigInt(pay), TEST_NETWORK);
  tx.addOutput({
    script: change.payment.script, amount: BigInt(amount - pay - fee),
    witnessScript: change.payment.witnessScript, bip32Derivation: change.bip32Derivation,
  });
  return { psbt: Buffer.from(tx.toPSBT()).toString("base64"), txid: tx.id, payee, change: change.payment.address };
}

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
  build,
  finalize({ psbt, cosigner }) {
    return complete(fromBase64(psbt), cosigner);
  },
  combine({ psbt, replies, cosigner }) {
    const own = fromBase64(psbt);
    for (const reply of replies) own.combine(fromBase64(reply));
    return complete(own, cosigner);
  },
});
