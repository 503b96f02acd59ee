#!/usr/bin/env node
// rotor's Pulumi component provider plugin: the engine finds it on PATH by this name (see the README's "Other
// Pulumi languages"). It runs the compiled provider; `npm install` builds it through the `prepare` script.
const path = require("node:path");
const fs = require("node:fs");
const compiled = path.join(__dirname, "..", "dist", "provider", "main.js");
if (!fs.existsSync(compiled)) {
  console.error(
    "pulumi-resource-rotor: dist/provider/main.js is missing; run `npm run build` in " +
      path.dirname(__dirname),
  );
  process.exit(2);
}
require(compiled)
  .main(process.argv.slice(2))
  .catch((error) => {
    console.error(`pulumi-resource-rotor: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
