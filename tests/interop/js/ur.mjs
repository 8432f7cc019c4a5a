// @ngraveio/bc-ur with @keystonehq/bc-ur-registry (what BlueWallet, Keystone and others use):
// `encode` shows a PSBT as fountain-coded UR parts starting mid-stream (rendered to PNG);
// `decode` joins the parts of a reply and reads it with the registry's own types.
import { UR, UREncoder, URDecoder } from "@ngraveio/bc-ur";
import {
  Bytes, CryptoAccount, CryptoCoinInfo, CryptoCoinInfoNetwork, CryptoCoinInfoType, CryptoHDKey,
  CryptoKeypath, CryptoOutput, CryptoPSBT, MultiKey, PathComponent, ScriptExpressions,
} from "@keystonehq/bc-ur-registry";
import { HDKey } from "@scure/bip32";
import { run } from "./cli.mjs";
import { renderFrames } from "./frames.mjs";

function hdKey(key) {
  const origin = key.getOrigin();
  return {
    xpub: key.getBip32Key(),
    path: `m/${origin.getPath()}`,
    sourceFingerprint: origin.getSourceFingerprint()?.toString("hex") ?? null,
    network: key.getUseInfo()?.getNetwork() ?? 0,
  };
}

const readers = {
  "crypto-psbt": (cbor) => ({ psbt: CryptoPSBT.fromCBOR(cbor).getPSBT().toString("base64") }),
  // The v2 name carries the same CBOR byte string.
  psbt: (cbor) => ({ psbt: CryptoPSBT.fromCBOR(cbor).getPSBT().toString("base64") }),
  // As BlueWallet reads a cosigner: master fingerprint, then each output's script
  // functions, path and xpub.
  "crypto-account": (cbor) => {
    const account = CryptoAccount.fromCBOR(cbor);
    return {
      masterFingerprint: account.getMasterFingerprint().toString("hex"),
      outputs: account.getOutputDescriptors().map((output) => ({
        scripts: output.getScriptExpressions().map((se) => se.getExpression()),
        ...hdKey(output.getHDKey()),
      })),
    };
  },
  "crypto-output": (cbor) => {
    const output = CryptoOutput.fromCBOR(cbor);
    const multi = output.getMultiKey();
    return {
      scripts: output.getScriptExpressions().map((se) => se.getExpression()),
      threshold: multi ? multi.getThreshold() : null,
      keys: multi ? multi.getKeys().map(hdKey) : [hdKey(output.getHDKey())],
      descriptor: output.toString(),
    };
  },
  bytes: (cbor) => ({ text: Bytes.fromCBOR(cbor).getData().toString("utf8") }),
};

const TPUB = { private: 0x04358394, public: 0x043587cf };

// A cosigner's account key as the registry writes it: origin with the master's fingerprint,
// children 0/* (the receive chain, as crypto-output carries it), testnet use-info.
function cosignerKey({ xpub, fingerprint, path }) {
  const key = HDKey.fromExtendedKey(xpub, TPUB);
  const steps = path.split("/").slice(1).map((step) => new PathComponent({
    index: parseInt(step, 10), hardened: step.endsWith("'"),
  }));
  const parent = Buffer.alloc(4);
  parent.writeUInt32BE(key.parentFingerprint);
  return new CryptoHDKey({
    isMaster: false, key: Buffer.from(key.publicKey), chainCode: Buffer.from(key.chainCode),
    origin: new CryptoKeypath(steps, Buffer.from(fingerprint, "hex"), steps.length),
    children: new CryptoKeypath([new PathComponent({ index: 0, hardened: false }), new PathComponent({ hardened: false })]),
    parentFingerprint: parent,
    useInfo: new CryptoCoinInfo(CryptoCoinInfoType.bitcoin, CryptoCoinInfoNetwork.testnet),
  });
}

run({
  // A coordinator showing its 2-of-3 wallet as an animated crypto-output.
  async "encode-wallet"({ wallet, maxFragmentLength, outDir }) {
    const output = new CryptoOutput(
      [ScriptExpressions.WITNESS_SCRIPT_HASH, ScriptExpressions.SORTED_MULTISIG],
      new MultiKey(wallet.threshold, wallet.cosigners.map(cosignerKey)));
    const encoder = output.toUREncoder(maxFragmentLength);
    const parts = Array.from({ length: encoder.fragmentsLength }, () => encoder.nextPart().toUpperCase());
    return { parts, descriptor: output.toString(), files: await renderFrames(parts, outDir) };
  },
  async encode({ psbt, type, maxFragmentLength, firstSeqNum, count, outDir }) {
    const body = new CryptoPSBT(Buffer.from(psbt, "base64")).toCBOR();
    const encoder = new UREncoder(new UR(body, type), maxFragmentLength, firstSeqNum);
    const parts = Array.from({ length: count }, () => encoder.nextPart().toUpperCase());
    return { parts, fragments: encoder.fragmentsLength, files: await renderFrames(parts, outDir) };
  },
  decode({ parts }) {
    const decoder = new URDecoder();
    let used = 0;
    for (const part of parts) {
      if (decoder.isComplete()) break;
      decoder.receivePart(part);
      used += 1;
    }
    if (!decoder.isComplete()) throw new Error(`UR incomplete after ${used} parts`);
    if (!decoder.isSuccess()) throw new Error(`UR decoding failed: ${decoder.resultError()}`);
    const ur = decoder.resultUR();
    const read = readers[ur.type];
    if (!read) throw new Error(`no reader for ur:${ur.type}`);
    return { type: ur.type, partsUsed: used, ...read(ur.cbor) };
  },
});
