import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { Resource } from "@pulumi/pulumi";
import { PROJECT, sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// Pulumi's internals that capture whole stacks (not in its type declarations).
type Position = { file?: string; line?: number; column?: number };
const { callsites } = Resource as unknown as { callsites(): Position[] };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T> };

// tests/support/register.js: TypeScript through ts-node with its stack traces mapped to the
// sources, except the whole stacks Pulumi captures for its own diagnostics (at each resource
// registration, and at each promise it tracks for leaks).

const TS = fs.readFileSync(__filename, "utf8").split("\n");
const at = (marker: string) => {
  const line = TS.findIndex((l) => l.includes(marker));
  return { line: line + 1, column: TS[line].indexOf("new Error") + 1 };
};

describe("the tests' TypeScript register", () => {
  it("maps an ordinary stack trace to the TypeScript source, line and column", () => {
    const make = (why: string, code: number): Error => new Error(`${why} ${code}`); // MARK-ORDINARY
    const want = at("MARK-ORDINARY");
    const top = make("x", 1).stack!.split("\n")[1];
    assert.match(top, new RegExp(`register\\.test\\.ts:${want.line}:${want.column}\\)?$`), top);
  });

  it("leaves Pulumi's own whole-stack captures unmapped, as V8 formats them, so Pulumi still reads each frame's position", async () => {
    const frames = callsites.call(Resource);
    const here = frames.find((f) => f.file?.endsWith("register.test.ts"));
    assert.ok(here && Number.isInteger(here.line) && Number.isInteger(here.column), JSON.stringify(frames.slice(0, 5)));
    assert.notEqual(here.line, at("callsites.call(Resource);").line, "the compiled JavaScript's line, not the TypeScript's: not mapped");

    const tracked = Promise.resolve(1);
    const settled = debuggablePromise(tracked, "a test's promise");
    const trace = (tracked as unknown as { _debugStackTrace: string })._debugStackTrace;
    const line = new RegExp(`register\\.test\\.ts:(\\d+):\\d+`).exec(trace)?.[1];
    assert.ok(line !== undefined, trace);
    assert.notEqual(Number(line), at("debuggablePromise(tracked").line, "not mapped");
    assert.equal(await settled, 1);
  });
});

describe("the tests' TypeScript register: transpiled sources kept for the next process (cachedTranspiler.js)", () => {
  const CACHE = path.join(PROJECT, "node_modules", ".cache", "orders-tests", "ts");
  /** A directory outside the project that compiles as the project does (its tsconfig). */
  const scratch = () => {
    const dir = tempDir("orders-register-");
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ extends: path.join(PROJECT, "tsconfig.json"), compilerOptions: { outDir: "bin" }, include: ["*.ts"] }));
    return dir;
  };
  const entriesHolding = (marker: string): string[] =>
    fs.existsSync(CACHE)
      ? fs
          .readdirSync(CACHE, { withFileTypes: true })
          .filter((d) => d.isDirectory()) // beside them, the mark of the last prune
          .flatMap((d) => fs.readdirSync(path.join(CACHE, d.name)).map((f) => path.join(CACHE, d.name, f)))
          .filter((f) => f.endsWith(".json") && fs.readFileSync(f, "utf8").includes(marker))
      : [];

  it("the second process runs the kept output, and its stack traces still point at the TypeScript", async () => {
    const dir = scratch();
    const marker = `probe${process.pid}x${Date.now()}`;
    // The thrown line's column differs between the TypeScript and its output (the type annotation).
    fs.writeFileSync(path.join(dir, "probe.ts"), `// ${marker}\nconst n: number = 6 * 7;\nconst fail = (why: string): never => { throw new Error(why + " " + n); };\nfail("${marker}");\n`);
    const run = () => sh(`node -r ${path.join(PROJECT, "tests", "support", "register.js")} probe.ts`, { cwd: dir });
    try {
      const first = await run();
      assert.match(first.stderr, new RegExp(`Error: ${marker} 42\\n\\s+at fail \\(${dir}/probe\\.ts:3:46\\)`), first.stderr);
      const kept = entriesHolding(marker);
      assert.equal(kept.length, 1, "one entry for the source");

      const second = await run();
      assert.equal(second.stderr, first.stderr, "the same run, the same mapped trace");
      // Proof that the second run read the entry, not the source: change what the entry holds.
      const entry = JSON.parse(fs.readFileSync(kept[0], "utf8"));
      fs.writeFileSync(kept[0], JSON.stringify({ ...entry, outputText: entry.outputText.replace("6 * 7", "6 * 8") }));
      assert.match((await run()).stderr, new RegExp(`Error: ${marker} 48\\n`));

      // The same source in another copy (its own directory in the options: its tsconfig, outDir).
      const copy = scratch();
      fs.copyFileSync(path.join(dir, "probe.ts"), path.join(copy, "probe.ts"));
      const there = await sh(`node -r ${path.join(PROJECT, "tests", "support", "register.js")} probe.ts`, { cwd: copy });
      fs.rmSync(copy, { recursive: true, force: true });
      assert.match(there.stderr, new RegExp(`Error: ${marker} 48\\n`), "the entry the first directory made");
      assert.equal(entriesHolding(marker).length, 1);
    } finally {
      for (const f of entriesHolding(marker)) fs.rmSync(f);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an entry not written for 14 days is removed by the next process that keeps a new one (once a day); newer ones stay", async () => {
    const dir = scratch();
    const marker = `prune${process.pid}x${Date.now()}`;
    const old = path.join(CACHE, "zz", `${marker}-old.json`);
    const recent = path.join(CACHE, "zz", `${marker}-recent.json`);
    fs.mkdirSync(path.dirname(old), { recursive: true });
    for (const [file, days] of [[old, 15], [recent, 13]] as const) {
      fs.writeFileSync(file, "{}");
      const then = new Date(Date.now() - days * 24 * 3600 * 1000);
      fs.utimesSync(file, then, then);
    }
    fs.writeFileSync(path.join(dir, "fresh.ts"), `// ${marker}\nexport const n: number = 1;\n`);
    fs.rmSync(path.join(CACHE, ".pruned"), { force: true }); // as if not looked at today
    try {
      const r = await sh(`node -r ${path.join(PROJECT, "tests", "support", "register.js")} fresh.ts`, { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(entriesHolding(marker).length, 1, "the new source kept");
      assert.ok(!fs.existsSync(old), "15 days old: removed");
      assert.ok(fs.existsSync(recent), "13 days old: kept");
    } finally {
      for (const f of [old, recent, ...entriesHolding(marker)]) fs.rmSync(f, { force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a source esbuild cannot read is never kept: its error, naming the file, line and column, is reported at every run", async () => {
    const dir = scratch();
    const marker = `broken${process.pid}x${Date.now()}`;
    fs.writeFileSync(path.join(dir, "broken.ts"), `// ${marker}\nconst x = (;\n`);
    try {
      for (let i = 0; i < 2; i++) {
        const r = await sh(`node -r ${path.join(PROJECT, "tests", "support", "register.js")} broken.ts`, { cwd: dir });
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, new RegExp(`SyntaxError: ${dir}/broken\\.ts:2:12: Unexpected ";"`));
      }
      assert.deepEqual(entriesHolding(marker), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
