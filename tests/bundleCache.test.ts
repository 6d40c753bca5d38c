import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { KEPT_BUNDLES } from "../local/bundleCache";
import { sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// The processors' bundles kept between local runs (local/bundleCache.ts), as runs see them:
// each call is a fresh process, as each `local` run is (a process also keeps its builds in
// memory, infra/bundle.ts). A step is edited between runs, as a team does.

describe("local runs keep the processors' bundles, and never a stale one", function () {
  this.timeout(60000);
  let dir: string;
  let steps: string;
  let cache: string;
  before(() => {
    dir = tempDir("orders-bundle-cache-");
    steps = path.join(dir, "steps");
    cache = path.join(dir, "cache");
    fs.mkdirSync(steps);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const writeStep = (marker: string) =>
    fs.writeFileSync(path.join(steps, "greet.ts"), `export const step = async (_order: unknown, ctx: { log: { info(m: string, f: object): void } }) => { ctx.log.info(${JSON.stringify(marker)}, {}); };\n`);

  /** One run's bundle: which step text it holds, and whether this process built it (loaded esbuild). */
  const run = async () => {
    const script = [
      // The CLI's build of the sources (cli/build.js), as a `local` run loads it.
      `require("./cli/build").ensureBuilt();`,
      `const { localBundle } = require("./dist/local/bundleCache.js");`,
      `const b = localBundle([{ route: "greet", step: "greet" }], { cacheDir: ${JSON.stringify(cache)}, stepsDir: ${JSON.stringify(steps)} });`,
      `const built = Object.keys(require.cache).some((m) => /[\\\\/]esbuild[\\\\/]lib[\\\\/]main\\.js$/.test(m));`,
      `console.log(JSON.stringify({ v1: b.code.includes("greeting-v1"), v2: b.code.includes("greeting-v2"), built, bytes: b.bytes }));`,
    ].join("\n");
    const r = await sh(`node -e '${script}'`);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { v1: boolean; v2: boolean; built: boolean; bytes: number };
  };

  it("built once, then taken as kept; an edited step is built again; a new file beside a source is built again", async () => {
    writeStep("greeting-v1");
    const first = await run();
    assert.deepEqual({ ...first, bytes: undefined }, { v1: true, v2: false, built: true, bytes: undefined });
    const second = await run();
    assert.deepEqual(second, { ...first, built: false }, "the same bundle, esbuild not even loaded");

    writeStep("greeting-v2"); // same length: only the content tells
    const edited = await run();
    assert.deepEqual({ v1: edited.v1, v2: edited.v2, built: edited.built }, { v1: false, v2: true, built: true });
    assert.equal((await run()).built, false);

    fs.writeFileSync(path.join(steps, "greet.js"), "exports.step = async () => undefined;\n");
    assert.equal((await run()).built, true, "a file that an import could now resolve to");
  });

  it(`keeps the ${KEPT_BUNDLES} most recently used: a build removes the oldest; a bundle taken as kept counts as used`, async () => {
    writeStep("greeting-v2");
    await run(); // kept and used just now
    const day = 24 * 3600;
    const now = Date.now() / 1000;
    for (let i = 0; i < KEPT_BUNDLES + 5; i++) {
      const f = path.join(cache, `old${String(i).padStart(2, "0")}.json`);
      fs.writeFileSync(f, "{}");
      fs.utimesSync(f, now - (i + 1) * day, now - (i + 1) * day); // old00 the newest of them
    }
    const live = fs.readdirSync(cache).filter((f) => !f.startsWith("old"));
    fs.utimesSync(path.join(cache, live[0]), now - 100 * day, now - 100 * day); // the oldest of all, until used
    assert.equal((await run()).built, false);
    writeStep("greeting-v3"); // a build, which prunes
    assert.equal((await run()).built, true);
    const left = fs.readdirSync(cache).sort();
    assert.equal(left.length, KEPT_BUNDLES);
    assert.ok(live.every((f) => left.includes(f)), "the bundle used just before survives");
    assert.ok(left.includes("old00.json") && !left.includes(`old${KEPT_BUNDLES + 4}.json`), left.join(" "));
    writeStep("greeting-v2"); // as the next test expects it
  });

  it("an unreadable or foreign kept file is rebuilt, never trusted", async () => {
    for (const f of fs.readdirSync(cache)) fs.writeFileSync(path.join(cache, f), "{ not json");
    const r = await run();
    assert.equal(r.built, true);
    assert.equal(r.v2, true);
  });
});

describe("the program evaluated for a local run takes the kept bundles (infra/bundle.ts useKeptBundles)", function () {
  this.timeout(60000);

  it("a second evaluation in a fresh process declares both processors without loading esbuild; deploys still build (nothing set)", async () => {
    const script = [
      `require("./cli/build").ensureBuilt();`,
      `const { evaluateProgram } = require("./dist/local/evaluateProgram.js");`,
      `evaluateProgram("dev").then((d) => console.log(JSON.stringify({`,
      `  functions: d.resources.filter((r) => r.type === "aws:lambda/function:Function").length,`,
      `  built: Object.keys(require.cache).some((m) => /[\\\\/]esbuild[\\\\/]lib[\\\\/]main\\.js$/.test(m)),`,
      `})));`,
    ].join("\n");
    const evaluate = async () => {
      const r = await sh(`node -e '${script}'`);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as { functions: number; built: boolean };
    };
    await evaluate(); // builds what is not kept yet
    assert.deepEqual(await evaluate(), { functions: 2, built: false });
    // What `pulumi up` runs: the program's module with nothing set builds its bundles.
    const deploy = await sh(`node -e 'require("./cli/build").ensureBuilt(); const b = require("./dist/infra/bundle.js"); b.programBundle([{ route: "normal", step: "acceptOrder" }]); console.log(Object.keys(require.cache).some((m) => /[\\\\/]esbuild[\\\\/]lib[\\\\/]main\\.js$/.test(m)))'`);
    assert.equal(deploy.stdout.trim(), "true", deploy.stderr);
  });
});
