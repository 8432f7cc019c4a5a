// The version of each coordinator library that node actually loads, to hold against the lock.
import { readFileSync } from "node:fs";
import { run } from "./cli.mjs";

const read = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url)));

run({
  list() {
    const loaded = {};
    for (const name of Object.keys(read("./package.json").dependencies)) {
      loaded[name] = read(`./node_modules/${name}/package.json`).version;
    }
    return loaded;
  },
});
