// One minified ES module for pages without a bundler (dist/threadline.browser.js, what the browser
// test loads), and the size a page pays for the SDK, printed gzipped.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(root, "dist", "threadline.browser.js");
await build({
  entryPoints: [join(root, "src", "index.ts")],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outfile,
  logLevel: "warning",
});
const bytes = readFileSync(outfile);
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(
  `dist/threadline.browser.js: ${kib(bytes.length)} minified, ${kib(gzipSync(bytes).length)} gzipped` +
    " (graphql-ws and idb-keyval included)",
);
