import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { Readable } from "node:stream";
import { forEachLine } from "../cli/io";
import { sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// The line reader behind `route --jsonl`, `pattern test --jsonl` and `cost --records`.

describe("reading lines", () => {
  const read = async (chunks: string[], blank = false) => {
    const lines: [number, string][] = [];
    await forEachLine(Readable.from(chunks), (line, n) => void lines.push([n, line]), { blank });
    return lines;
  };

  it("joins a line split across chunks, strips CR, numbers every line, skips blank ones unless asked", async () => {
    assert.deepEqual(await read(["a", "b", "c\r\n\nd", "e\n", "f"]), [
      [1, "abc"],
      [3, "de"],
      [4, "f"],
    ]);
    assert.deepEqual(await read(["x\n", "\n", "y"], true), [
      [1, "x"],
      [2, ""],
      [3, "y"],
    ]);
    assert.deepEqual(await read(["one\n"]), [[1, "one"]]);
  });

  // Issue 18: a line longer than a chunk was copied and searched again for every chunk, so a
  // 40 MB line took 8 s and a 100 MB one over a minute of CPU. Read linearly, the 100 MB line
  // costs the command 2 to 3 s of CPU. The limit is on CPU time (ulimit -t), which a loaded
  // machine barely changes, and far from both; the wall-clock deadline only stops a hang.
  it("a 100 MB line is read in one pass: route --jsonl answers it and the next line", async function () {
    this.timeout(120000);
    const dir = tempDir("orders-long-line-");
    try {
      const file = path.join(dir, "long.jsonl");
      // {"eventID":"e-long","eventName":"INSERT","padding":"xxx…","dynamodb":{}}, written as bytes
      // (JSON.stringify of the 100 MB string cost this test more CPU than the command it tests).
      fs.writeFileSync(
        file,
        Buffer.concat([
          Buffer.from('{"eventID":"e-long","eventName":"INSERT","padding":"'),
          Buffer.alloc(100 * 1024 * 1024, "x"),
          Buffer.from(`","dynamodb":{}}\n${JSON.stringify({ eventID: "e-short" })}\n`),
        ]),
      );
      // exec: the deadline's kill reaches the command itself, not only the shell.
      const r = await sh(`ulimit -t 20; exec node cli/bin.js route --stack dev --jsonl < ${file}`, { timeoutMs: 80000 });
      assert.equal(r.code, 0, `ended by ${r.code} (SIGKILL: past 20 s of CPU) ${r.stderr}`);
      assert.deepEqual(
        r.stdout.trim().split("\n").map((l) => JSON.parse(l).eventID),
        ["e-long", "e-short"],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
