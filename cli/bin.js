#!/usr/bin/env node
// The `orders-pipeline` command; `npm run --silent cli -- ...` and `npm start` run this file
// too, so every spelling behaves the same. It runs the build of the TypeScript sources in
// dist/, refreshed first if a source changed since (cli/build.js: ~0.5 s, only then).
"use strict";
const path = require("node:path");
const CACHE = path.join(__dirname, "..", "node_modules", ".cache");
{
  const problem = require("./nodeVersion").checkNode(process.versions.node, require("../package.json").engines.node, path.join(CACHE, "orders-node-check"));
  if (problem) {
    process.stderr.write(`${problem}\n`);
    process.exit(2);
  }
}
// V8's compiled code for the modules this command loads, kept between runs (cli/compileCache.js).
require("./compileCache").useCompileCache(path.join(CACHE, "orders-compile"));
try {
  require("./build").ensureBuilt();
} catch (err) {
  process.stderr.write(`orders-pipeline: cannot build the command from the sources:\n${err && err.message ? err.message : err}\n`);
  process.exit(2);
}
require("../dist/cli/main.js").run(process.argv.slice(2));
