// ts-node's transpile-only compilation, kept on disk (a ts-node "transpiler" module, which
// tests/support/register.js names): TypeScript's own transpileModule, exactly as ts-node runs it,
// skipped when the same source was transpiled before with the same TypeScript and options.
//
// Why: every mocha worker and every script the tests run in a copy of the project transpiled
// the ~170 sources it loads again (about 1.2 s of CPU per process here); ts-node 10 has no cache
// of its own. Keyed by the source text and the file's base name (which the emitted source-map
// comment carries; ts-node rewrites the map's paths itself), so the copies share it. Sources with
// diagnostics are never kept: ts-node reports them at every load, as before.
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const CACHE_DIR = path.resolve(__dirname, "..", "..", "node_modules", ".cache", "orders-tests", "ts");

// Each edit of a source adds an entry (~20 KB) that nothing would ever read again: a process
// that writes one also has the entries not written for 14 days removed, once a day, by the rule
// the commands' compile cache follows (cli/compileCache.js); an entry still in use is simply
// made again by the next process.
const { pruneDaily } = require("../../cli/compileCache");

exports.create = function create({ service, nodeModuleEmitKind }) {
  const ts = require(service.projectLocalResolveHelper("typescript", true));
  const compilerOptions = service.config.options;
  // Options name the project's directory (configFilePath, outDir), which differs between copies
  // of the project and changes no output that ts-node keeps (it rewrites the source map's paths).
  const projectDir = path.dirname(compilerOptions.configFilePath ?? path.join(process.cwd(), "tsconfig.json"));
  const salt = JSON.stringify([ts.version, compilerOptions], (_key, value) => (typeof value === "string" && value.startsWith(projectDir) ? `<project>${value.slice(projectDir.length)}` : value));

  return {
    transpile(code, { fileName }) {
      // ts-node's transpile-only emit for this project's CommonJS .ts files is TypeScript's
      // transpileModule; it creates transpilers for node16/nodenext kinds (.cts, .mts files) too,
      // which this project does not have and this module does not serve.
      if (nodeModuleEmitKind) throw new Error(`tests/support/cachedTranspiler.js: ${fileName}: module kind ${nodeModuleEmitKind} is not served`);
      const key = crypto.createHash("sha256").update(salt).update("\0").update(path.basename(fileName)).update("\0").update(code).digest("hex");
      const file = path.join(CACHE_DIR, key.slice(0, 2), `${key}.json`);
      try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
      } catch {
        // not kept yet (or unreadable): transpile
      }
      const result = ts.transpileModule(code, { fileName, compilerOptions, reportDiagnostics: true });
      if (!result.diagnostics || result.diagnostics.length === 0) {
        try {
          fs.mkdirSync(path.dirname(file), { recursive: true });
          const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
          fs.writeFileSync(aside, JSON.stringify({ outputText: result.outputText, sourceMapText: result.sourceMapText }));
          fs.renameSync(aside, file); // whole or not at all, whoever else writes the same key
          pruneDaily(CACHE_DIR);
        } catch {
          // a cache that cannot be written costs time, never a result
        }
      }
      return result;
    },
  };
};
