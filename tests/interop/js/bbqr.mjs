// Coinkite's BBQr reference code (npm `bbqr`, coinkite/BBQr js/): `split` shows a PSBT as
// BBQr parts in a chosen encoding (rendered to PNG); `join` reads the parts of a reply.
import { joinQRs, splitQRs } from "bbqr";
import { run } from "./cli.mjs";
import { renderFrames } from "./frames.mjs";

run({
  async split({ psbt, encoding, maxVersion, outDir }) {
    const split = splitQRs(Buffer.from(psbt, "base64"), "P", { encoding, maxVersion });
    return { ...split, files: await renderFrames(split.parts, outDir) };
  },
  join({ parts }) {
    const joined = joinQRs(parts);
    return { fileType: joined.fileType, encoding: joined.encoding, data: Buffer.from(joined.raw).toString("base64") };
  },
});
