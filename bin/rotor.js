#!/usr/bin/env node
// The published entry point runs the compiled CLI; `npm ci` builds it through the `prepare` script.
const path = require("node:path");
const fs = require("node:fs");
const compiled = path.join(__dirname, "..", "dist", "cli", "main.js");
if (!fs.existsSync(compiled)) {
  console.error("rotor: dist/cli/main.js is missing; run `npm run build` in " + path.dirname(__dirname));
  process.exit(2);
}
require(compiled).run(process.argv.slice(2));
