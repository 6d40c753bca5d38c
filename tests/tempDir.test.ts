import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { spawn } from "node:child_process";
import { PROJECT, sh } from "./support/spawn";

describe("tests' temporary directories (tests/support/tempDir.ts)", () => {
  it("are removed, with what they hold, when the test process exits", async () => {
    const script = `const { tempDir } = require("./tests/support/tempDir"); const made = [tempDir("orders-tempdir-a-"), tempDir("orders-tempdir-b-")]; require("fs").writeFileSync(made[0] + "/kept.json", "{}"); console.log(made.join("\\n"))`;
    const r = await sh(`node -r ./tests/support/register.js -e '${script}'`);
    assert.equal(r.code, 0, r.stderr);
    const made = r.stdout.trim().split("\n");
    assert.equal(made.length, 2);
    for (const dir of made) {
      assert.match(dir, /orders-tempdir-[ab]-/);
      assert.ok(!fs.existsSync(dir), `${dir} is left behind`);
    }
  });

  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    it(`are removed when the test process is ended by ${signal}, which still ends it`, async () => {
      const script = `const { tempDir } = require("./tests/support/tempDir"); console.log([tempDir("orders-tempdir-sig-a-"), tempDir("orders-tempdir-sig-b-")].join(" ")); setInterval(() => {}, 1000);`;
      const child = spawn(process.execPath, ["-r", "./tests/support/register.js", "-e", script], { cwd: PROJECT, stdio: ["ignore", "pipe", "inherit"] });
      const made = await new Promise<string[]>((resolve) => child.stdout.once("data", (d) => resolve(String(d).trim().split(" "))));
      assert.ok(made.every((dir) => fs.existsSync(dir)));
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, sig) => resolve(sig)));
      child.kill(signal);
      assert.equal(await ended, signal);
      for (const dir of made) assert.ok(!fs.existsSync(dir), `${dir} is left behind`);
    });
  }
});
