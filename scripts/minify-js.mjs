// Trunk's post-build hook (Trunk.toml), release builds only: minifies the panel's JavaScript
// (wasm-bindgen's glue) with esbuild, pinned in tools/, and writes its new digest into the
// page's `integrity` attribute. Trunk 0.21 tries minify-js on that file, which cannot parse
// wasm-bindgen's `export default` and leaves the file as it was, without a word (trunk-rs/trunk
// issue 1044). Measured on the built panel: 59,914 B (8,529 after brotli) before, 26,790 B
// (6,529 after brotli) after, 2.0 KB of the first load's 350 KB.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error("minify-js: run by trunk as a post_build hook");
  process.exit(1);
}
if (process.env.TRUNK_PROFILE !== "release") process.exit(0);

const tools = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "tools", "package.json");
const esbuild = createRequire(tools)("esbuild");

const digest = (bytes) => `sha384-${crypto.createHash("sha384").update(bytes).digest("base64")}`;
const html = path.join(dir, "index.html");
let page = fs.readFileSync(html, "utf8");
const panelJs = fs.readdirSync(dir).filter((f) => /^chronoscope-[0-9a-f]+\.js$/.test(f));
if (panelJs.length !== 1) {
  console.error(`minify-js: expected one panel script in ${dir}, found ${panelJs.join(", ") || "none"}`);
  process.exit(1);
}
const file = path.join(dir, panelJs[0]);
const before = fs.readFileSync(file);
const { code } = esbuild.transformSync(before.toString("utf8"), { format: "esm", minify: true, target: "es2020" });
const after = Buffer.from(code, "utf8");
const [oldDigest, newDigest] = [digest(before), digest(after)];
if (page.includes(oldDigest)) page = page.replaceAll(oldDigest, newDigest);
else if (page.includes("integrity")) {
  console.error(`minify-js: index.html names ${panelJs[0]} without its digest ${oldDigest}`);
  process.exit(1);
}
fs.writeFileSync(file, after);
fs.writeFileSync(html, page);
console.log(`minify-js: ${panelJs[0]} ${before.length} B to ${after.length} B`);
