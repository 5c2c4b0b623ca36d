// Prints the gzipped size of the browser bundle (run `npm run build` first).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const bytes = readFileSync(new URL("../dist/threadline.browser.js", import.meta.url));
console.log(`${(gzipSync(bytes).length / 1024).toFixed(1)} KiB gzipped`);
