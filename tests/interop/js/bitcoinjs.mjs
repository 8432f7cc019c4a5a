// bitcoinjs-lib (BlueWallet's library) as a multisig coordinator: it builds the spend, checks
// airsign's signatures with its own sighash code, adds a second cosigner's, finalizes and
// extracts; `combine` first merges signatures-only replies into its own copy of the PSBT.
import { createHash } from "node:crypto";
import { BIP32Factory } from "bip32";
import * as bitcoin from "bitcoinjs-lib";
import * as ecc from "tiny-secp256k1";
import { run } from "./cli.mjs";

bitcoin.initEccLib(ecc);
const bip32 = BIP32Factory(ecc);
const network = bitcoin.networks.testnet;
const hex = (bytes) => Buffer.from(bytes).toString("hex");

// A sortedmulti P2WSH address of the wallet at (chain, index), with the PSBT fields a
// coordinator writes for it: witness script and every cosigner's key origin.
function walletScript(wallet, chain, index) {
  const keys = wallet.cosigners.map((cosigner) => {
    const pubkey = bip32.fromBase58(cosigner.xpub, network).derive(chain).derive(index).publicKey;
    const path = `${cosigner.path}/${chain}/${index}`;
    return { masterFingerprint: Buffer.from(cosigner.fingerprint, "hex"), path, pubkey };
  });
  keys.sort((a, b) => Buffer.compare(Buffer.from(a.pubkey), Buffer.from(b.pubkey)));
  const multisig = bitcoin.payments.p2ms({ m: wallet.threshold, pubkeys: keys.map((k) => k.pubkey), network });
  const p2wsh = bitcoin.payments.p2wsh({ redeem: multisig, network });
  return { output: p2wsh.output, address: p2wsh.address, witnessScript: multisig.output, bip32Derivation: keys };
}

function build({ wallet, amount, pay, fee, label }) {
  const coin = walletScript(wallet, 0, 3);
  // A fabricated funding transaction (never broadcast): one output to the wallet.
  const funding = new bitcoin.Transaction();
  funding.version = 2;
  funding.addInput(createHash("sha256").update(label).digest(), 0);
  funding.addOutput(coin.output, BigInt(amount));
  const change = walletScript(wallet, 1, 5);
  const payee = bitcoin.payments.p2wpkh({ hash: createHash("sha256").update(`${label} payee`).digest().subarray(0, 20), network });
  const psbt = new bitcoin.Psbt({ network });
  psbt.addInput({
    hash: funding.getId(), index: 0, sequence: 0xfffffffd,
    nonWitnessUtxo: funding.toBuffer(),
    witnessUtxo: { script: coin.output, value: BigInt(amount) },
    witnessScript: coin.witnessScript, bip32Derivation: coin.bip32Derivation,
  });
  psbt.addOutput({ address: payee.address, value: BigInt(pay) });
  psbt.addOutput({
    address: change.address, value: BigInt(amount - pay - fee),
    witnessScript: change.witnessScript, bip32Derivation: change.bip32Derivation,
  });
  return { psbt: psbt.toBase64(), txid: unsignedTxid(psbt), payee: payee.address, change: change.address };
}

function unsignedTxid(psbt) {
  return bitcoin.Transaction.fromBuffer(psbt.data.getTransaction()).getId();
}

const validator = (pubkey, msghash, signature) => ecc.verify(msghash, pubkey, signature);

// Every input's signatures verify under bitcoinjs's own BIP-143 digest; how many each has.
function checkSignatures(psbt) {
  return psbt.data.inputs.map((input, index) => {
    const count = (input.partialSig || []).length;
    if (!count) throw new Error(`input ${index} has no signature`);
    if (!psbt.validateSignaturesOfInput(index, validator)) {
      throw new Error(`input ${index}: a signature does not verify`);
    }
    return count;
  });
}

function complete(psbt, cosignerXprv) {
  const verified = checkSignatures(psbt);
  psbt.signAllInputsHD(bip32.fromBase58(cosignerXprv));
  checkSignatures(psbt);
  psbt.finalizeAllInputs();
  const tx = psbt.extractTransaction();
  return { verified, txid: tx.getId(), hex: tx.toHex() };
}

run({
  build,
  address({ wallet, chain, index }) {
    return walletScript(wallet, chain, index).address;
  },
  finalize({ psbt, cosigner }) {
    return complete(bitcoin.Psbt.fromBase64(psbt, { network }), cosigner);
  },
  combine({ psbt, replies, cosigner }) {
    const own = bitcoin.Psbt.fromBase64(psbt, { network });
    own.combine(...replies.map((reply) => bitcoin.Psbt.fromBase64(reply, { network })));
    return complete(own, cosigner);
  },
});
