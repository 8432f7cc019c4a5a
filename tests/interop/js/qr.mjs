// A coordinator's screen for payloads it shows as they are (one base64 PSBT QR, say):
// each text becomes one PNG frame.
import { run } from "./cli.mjs";
import { renderFrames } from "./frames.mjs";

run({
  async show({ texts, outDir }) {
    return { files: await renderFrames(texts, outDir) };
  },
});
