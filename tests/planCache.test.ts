import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cachedPlan, projectFingerprint } from "../local/planCache";
import type { LocalPlan } from "../local/plan";
import { projectCopy } from "./support/projectCopy";
import { sh } from "./support/spawn";

// The local runtime keeps its plan between starts (local/planCache.ts). What matters is that
// a kept plan is never used for a project that changed: any source, stack file or override.

const fakePlan = (n: number) => ({ stack: "dev", marker: n }) as unknown as LocalPlan;

describe("the local plan kept between starts", () => {
  let dir: string;
  let cacheDir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "orders-plan-"));
    cacheDir = path.join(dir, "node_modules", ".cache", "orders-plan");
    fs.mkdirSync(path.join(dir, "infra"));
    fs.writeFileSync(path.join(dir, "index.ts"), "export {};\n");
    fs.writeFileSync(path.join(dir, "infra", "x.ts"), "export const x = 1;\n");
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  orders:premiumMinAmount: 1000\n");
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const plan = async (overrides: Record<string, string> = {}) => {
    let evaluated = 0;
    const p = await cachedPlan("dev", overrides, async () => fakePlan(++evaluated), { dir, cacheDir });
    return { plan: p as unknown as { marker: number }, evaluated };
  };
  const touchLater = (file: string, text?: string) => {
    if (text !== undefined) fs.writeFileSync(file, text);
    const later = new Date(fs.statSync(file).mtimeMs + 5000);
    fs.utimesSync(file, later, later);
  };

  it("the second start with nothing changed takes the kept plan: the program is not evaluated", async () => {
    assert.equal((await plan()).evaluated, 1);
    const again = await plan();
    assert.equal(again.evaluated, 0);
    assert.equal(again.plan.marker, 1);
  });

  it("an edited source, even of the same size, is evaluated again", async () => {
    await plan();
    touchLater(path.join(dir, "infra", "x.ts"), "export const x = 2;\n");
    assert.equal((await plan()).evaluated, 1);
  });

  it("an edited stack file, a new file, a removed file, other overrides: each evaluated again", async () => {
    await plan();
    touchLater(path.join(dir, "Pulumi.dev.yaml"), "config:\n  orders:premiumMinAmount: 2000\n");
    assert.equal((await plan()).evaluated, 1);
    fs.writeFileSync(path.join(dir, "infra", "y.ts"), "export const y = 1;\n");
    assert.equal((await plan()).evaluated, 1);
    fs.rmSync(path.join(dir, "infra", "y.ts"));
    assert.equal((await plan()).evaluated, 1);
    assert.equal((await plan({ "orders:premiumMinAmount": "3000" })).evaluated, 1);
    assert.equal((await plan({ "orders:premiumMinAmount": "3000" })).evaluated, 0);
  });

  it("a failed evaluation is not kept: the next start evaluates (and fails) again", async () => {
    await assert.rejects(cachedPlan("dev", {}, async () => Promise.reject(new Error("orders:premiumMinAmount is bad")), { dir, cacheDir }), /premiumMinAmount/);
    assert.equal((await plan()).evaluated, 1);
  });

  it("a stack with a secret or ESC environments is never kept on disk: a plan may hold config values", async () => {
    touchLater(path.join(dir, "Pulumi.dev.yaml"), "config:\n  orders:premiumMinAmount: 1000\n  orders:apiKey:\n    secure: v1:abc\n");
    assert.equal((await plan()).evaluated, 1);
    assert.equal((await plan()).evaluated, 1);
    touchLater(path.join(dir, "Pulumi.dev.yaml"), "environment:\n  - shop/dev\nconfig:\n  orders:premiumMinAmount: 1000\n");
    assert.equal((await plan()).evaluated, 1);
    assert.equal((await plan()).evaluated, 1);
    assert.ok(!fs.existsSync(path.join(cacheDir, "dev.json")), "nothing written");
  });

  it("installed modules, build output, local state, tests and benches are not part of the key", async () => {
    for (const d of ["node_modules", "dist", ".orders-local", "tests", "bench"]) fs.mkdirSync(path.join(dir, d), { recursive: true });
    const before = projectFingerprint(dir);
    for (const d of ["dist", ".orders-local", "tests", "bench"]) fs.writeFileSync(path.join(dir, d, "f.ts"), "x");
    assert.deepEqual(projectFingerprint(dir), before);
    assert.deepEqual(Object.keys(before).sort(), ["Pulumi.dev.yaml", "index.ts", "infra/x.ts"]);
  });

  it("as people run it: `local` in a copy of the project follows an edit of the stack file made between two runs", async function () {
    this.timeout(240000);
    const copy = projectCopy("orders-plan-e2e-", { linkModules: true });
    try {
      const story = path.join(copy, "story.yaml");
      fs.writeFileSync(
        story,
        [
          "name: one premium order",
          "steps:",
          "  - put: { orderId: p-1, orderStatus: pending, orderAmount: 1500, customerEmail: p@example.com }",
          "  - update: { orderId: p-1, set: { orderStatus: shipped } }",
          "",
        ].join("\n"),
      );
      const first = await sh(`node cli/bin.js local --stack dev --scenario ${story} --show processed,skipped`, { cwd: copy, timeoutMs: 120000 });
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.match(first.stdout, /✓ premium: processed p-1 \(shipped\)/);
      const stackFile = path.join(copy, "Pulumi.dev.yaml");
      touchLater(stackFile, fs.readFileSync(stackFile, "utf8").replace(/orders:premiumMinAmount: "?\d+"?/, "orders:premiumMinAmount: \"2000\""));
      const second = await sh(`node cli/bin.js local --stack dev --scenario ${story} --show processed,skipped`, { cwd: copy, timeoutMs: 120000 });
      assert.equal(second.code, 0, second.stdout + second.stderr);
      assert.match(second.stdout, /· premium: skipped p-1 \(shipped\): orderAmount 1500 is not above 2000/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
