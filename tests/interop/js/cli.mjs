// The shape of every script here: `node SCRIPT.mjs COMMAND [ARGS]` with a JSON request on
// stdin and a JSON answer on stdout. Whatever the library throws becomes one line on stderr
// and exit 1, which the Python side reports as the coordinator refusing.
import { readFileSync } from "node:fs";

export function run(commands) {
  const [command, ...args] = process.argv.slice(2);
  const handler = commands[command];
  if (!handler) {
    process.stderr.write(`unknown command ${command}; one of ${Object.keys(commands)}\n`);
    process.exit(2);
  }
  const text = readFileSync(0, "utf8");
  Promise.resolve()
    .then(() => handler(text ? JSON.parse(text) : null, ...args))
    .then((answer) => process.stdout.write(JSON.stringify(answer)))
    .catch((error) => {
      process.stderr.write(`${error && error.message ? error.message : error}\n`);
      process.exit(1);
    });
}
