// QR frames as a coordinator's screen shows them: one PNG per part, numbered in display order.
import { mkdirSync } from "node:fs";
import QRCode from "qrcode";

export async function renderFrames(parts, outDir) {
  mkdirSync(outDir, { recursive: true });
  const files = [];
  for (const [position, part] of parts.entries()) {
    const file = `${outDir}/frame-${String(position).padStart(4, "0")}.png`;
    await QRCode.toFile(file, part, { errorCorrectionLevel: "L", margin: 4, scale: 4 });
    files.push(file);
  }
  return files;
}
