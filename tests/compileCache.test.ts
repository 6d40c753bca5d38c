import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT, sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// Node's compile cache for the commands (cli/compileCache.js) never removes an entry itself:
// once a day, the first command removes those not written for 14 days.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pruneDaily, KEEP_DAYS } = require("../cli/compileCache") as { pruneDaily(dir: string, inUse: string, now?: number): boolean; KEEP_DAYS: number };
const DAY = 24 * 60 * 60 * 1000;

function entry(file: string, ageDays: number, now = Date.now()): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, "code");
  const then = new Date(now - ageDays * DAY);
  fs.utimesSync(file, then, then);
  return file;
}

describe("the commands' compile cache, kept from growing for good (cli/compileCache.js)", () => {
  it(`removes entries not written for ${KEEP_DAYS} days and the version directories left empty, but not the one in use; once a day`, () => {
    const dir = tempDir("orders-compile-cache-");
    try {
      const inUse = path.join(dir, "v22-in-use");
      const now = Date.now();
      const oldInUse = entry(path.join(inUse, "a1"), KEEP_DAYS + 1, now);
      const recentInUse = entry(path.join(inUse, "a2"), KEEP_DAYS - 1, now);
      entry(path.join(dir, "v20-gone", "b1"), KEEP_DAYS + 30, now);
      const onlyOld = path.join(dir, "v24-idle");
      entry(path.join(onlyOld, "c1"), KEEP_DAYS + 2, now);
      assert.equal(pruneDaily(dir, inUse, now), true);
      assert.ok(!fs.existsSync(oldInUse) && fs.existsSync(recentInUse));
      assert.deepEqual(fs.readdirSync(dir).sort(), [".pruned", "v22-in-use"], "the other versions' directories, emptied, are removed");

      const later = entry(path.join(inUse, "a3"), KEEP_DAYS + 5, now);
      assert.equal(pruneDaily(dir, inUse, now + DAY / 2), false, "looked today already");
      assert.ok(fs.existsSync(later));
      assert.equal(pruneDaily(dir, inUse, now + DAY + 1000), true, "a day later");
      assert.ok(!fs.existsSync(later));

      // The directory in use, emptied, stays: Node writes this process's entries into it at exit.
      fs.rmSync(path.join(dir, ".pruned"));
      entry(path.join(inUse, "a2"), KEEP_DAYS + 1, now);
      pruneDaily(dir, inUse, now);
      assert.ok(fs.existsSync(inUse));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a command does it: an old entry is gone after `node cli/bin.js --version`, the cache still in use", async () => {
    const cache = path.join(PROJECT, "node_modules", ".cache", "orders-compile");
    const planted = entry(path.join(cache, `v0-test-${process.pid}`, "old"), KEEP_DAYS + 1);
    fs.rmSync(path.join(cache, ".pruned"), { force: true });
    try {
      const r = await sh("node cli/bin.js --version");
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!fs.existsSync(planted) && !fs.existsSync(path.dirname(planted)));
      assert.ok(Date.now() - fs.statSync(path.join(cache, ".pruned")).mtimeMs < 60000, "marked as looked at today");
    } finally {
      fs.rmSync(path.dirname(planted), { recursive: true, force: true });
    }
  });
});
