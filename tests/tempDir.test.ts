import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import { sh } from "./support/spawn";

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
});
