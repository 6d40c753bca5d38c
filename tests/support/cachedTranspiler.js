// ts-node's transpile-only compilation for the tests (a ts-node "transpiler" module, which
// tests/support/register.js names): esbuild, as cli/build.js builds dist/ and infra/bundle.ts the
// processors' bundles, so the tests run the sources compiled as the commands and the processors
// ship them; each source's output kept on disk for the next process.
//
// Why: TypeScript's transpileModule took ~37 ms per source, ~3.6 s of CPU for a mocha worker's
// ~100 sources, and `npm ci` clears the kept outputs, so every run of the README's `npm ci &&
// npm test` paid it in each of mocha's workers at once; esbuild takes ~1 ms. ts-node 10 has no
// cache of its own. Keyed by the source text and the file's name (which the source map
// carries), so copies of the project share entries. A source esbuild cannot read is never kept:
// its error is reported at every load, naming the file, line and column.
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
const { COMPILE } = require("../../cli/build");

exports.create = function create({ service, nodeModuleEmitKind }) {
  // What of tsconfig.json changes esbuild's output: its target decides how class fields are
  // emitted unless useDefineForClassFields says (the output's syntax is cli/build.js's COMPILE).
  // (The options as TypeScript resolved them, `extends` included.)
  const { target, useDefineForClassFields, verbatimModuleSyntax } = service.config.options;
  const { ScriptTarget } = require(service.projectLocalResolveHelper("typescript", true)); // loaded by ts-node already
  const tsconfigRaw = { compilerOptions: { target: target === undefined ? undefined : ScriptTarget[target], useDefineForClassFields, verbatimModuleSyntax } };
  // esbuild itself (and the service process it starts) is loaded only when a source is not kept.
  const salt = JSON.stringify([require("esbuild/package.json").version, COMPILE, tsconfigRaw]);

  return {
    transpile(code, { fileName }) {
      // This project's sources are CommonJS .ts files; ts-node creates transpilers for node16 /
      // nodenext kinds (.cts, .mts files) too, which this project does not have.
      if (nodeModuleEmitKind) throw new Error(`tests/support/cachedTranspiler.js: ${fileName}: module kind ${nodeModuleEmitKind} is not served`);
      const key = crypto.createHash("sha256").update(salt).update("\0").update(path.basename(fileName)).update("\0").update(code).digest("hex");
      const file = path.join(CACHE_DIR, key.slice(0, 2), `${key}.json`);
      try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
      } catch {
        // not kept yet (or unreadable): transpile
      }
      let out;
      try {
        out = require("esbuild").transformSync(code, {
          ...COMPILE,
          loader: "ts",
          sourcemap: "external",
          sourcefile: path.basename(fileName),
          tsconfigRaw,
          logLevel: "silent",
        });
      } catch (err) {
        const first = (err.errors ?? [])[0];
        const at = first?.location ? `${fileName}:${first.location.line}:${first.location.column + 1}` : fileName;
        throw new SyntaxError(`${at}: ${first ? first.text : err.message}`);
      }
      const result = { outputText: out.code, sourceMapText: out.map };
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const aside = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
        fs.writeFileSync(aside, JSON.stringify(result));
        fs.renameSync(aside, file); // whole or not at all, whoever else writes the same key
        pruneDaily(CACHE_DIR);
      } catch {
        // a cache that cannot be written costs time, never a result
      }
      return result;
    },
  };
};
