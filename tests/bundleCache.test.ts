import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sh } from "./support/spawn";

// The processors' bundles kept between local runs (local/bundleCache.ts), as runs see them:
// each call is a fresh process, as each `local` run is (a process also keeps its builds in
// memory, infra/bundle.ts). A step is edited between runs, as a team does.

describe("local runs keep the processors' bundles, and never a stale one", function () {
  this.timeout(60000);
  let dir: string;
  let steps: string;
  let cache: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-bundle-cache-"));
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

  it("an unreadable or foreign kept file is rebuilt, never trusted", async () => {
    for (const f of fs.readdirSync(cache)) fs.writeFileSync(path.join(cache, f), "{ not json");
    const r = await run();
    assert.equal(r.built, true);
    assert.equal(r.v2, true);
  });
});
