import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { cachedPlan, KEPT_PLANS, projectFingerprint } from "../local/planCache";
import type { LocalPlan } from "../local/plan";
import { projectCopy } from "./support/projectCopy";
import { sh } from "./support/spawn";
import { tempDir } from "./support/tempDir";

// The local runtime keeps its plan between starts (local/planCache.ts). What matters is that
// a kept plan is never used for a project that changed: any source, stack file or override.

const fakePlan = (n: number) => ({ stack: "dev", marker: n }) as unknown as LocalPlan;

describe("the local plan kept between starts", () => {
  let dir: string;
  let cacheDir: string;
  beforeEach(() => {
    dir = tempDir("orders-plan-");
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

  it("another stack's file, edited or added, keeps the plan: a program reads only its own stack's config (Pulumi.yaml is read by all)", async () => {
    fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config:\n  orders:premiumMinAmount: 5000\n");
    await plan();
    touchLater(path.join(dir, "Pulumi.prod.yaml"), "config:\n  orders:premiumMinAmount: 6000\n");
    fs.writeFileSync(path.join(dir, "Pulumi.zz-test-1.yaml"), "config: {}\n");
    assert.equal((await plan()).evaluated, 0);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: orders-pipeline\nruntime: nodejs\n");
    assert.equal((await plan()).evaluated, 1, "the project file is part of every stack's program");
    fs.mkdirSync(path.join(dir, "examples"));
    fs.writeFileSync(path.join(dir, "examples", "Pulumi.prod.yaml"), "x: 1\n");
    assert.equal((await plan()).evaluated, 1, "only the stack files beside Pulumi.yaml are another stack's");
  });

  it("each set of overrides and each project directory sharing the cache keeps its own plan: alternating runs evaluate once each", async () => {
    const other = tempDir("orders-plan-other-");
    try {
      fs.cpSync(dir, other, { recursive: true });
      const inOther = async () => {
        let evaluated = 0;
        await cachedPlan("dev", {}, async () => fakePlan(++evaluated), { dir: other, cacheDir });
        return evaluated;
      };
      const override = { "orders:premiumMinAmount": "5000" };
      assert.deepEqual([(await plan()).evaluated, (await plan(override)).evaluated, await inOther()], [1, 1, 1]);
      assert.deepEqual([(await plan()).evaluated, (await plan(override)).evaluated, await inOther()], [0, 0, 0]);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it(`keeps the ${KEPT_PLANS} most recently used plans, not one per set of overrides for good`, async () => {
    await plan();
    for (let i = 0; i < KEPT_PLANS + 5; i++) {
      await plan({ "orders:premiumMinAmount": String(2000 + i) });
      if (i % 4 === 0) assert.equal((await plan()).evaluated, 0, "used again, so kept");
    }
    assert.equal(fs.readdirSync(cacheDir).filter((f) => f.endsWith(".json")).length, KEPT_PLANS);
    assert.equal((await plan({ "orders:premiumMinAmount": String(2000 + KEPT_PLANS + 4) })).evaluated, 0, "the newest is kept");
    assert.equal((await plan({ "orders:premiumMinAmount": "2001" })).evaluated, 1, "an old one is gone");
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
    assert.deepEqual(fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : [], [], "nothing written");
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
