import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { EXAMPLE_DIR, wireFulfilmentExample } from "./support/fulfilmentExample";
import { projectCopy } from "./support/projectCopy";
import { sectionBlocks } from "./support/readmeBlocks";
import { type Ran, sh } from "./support/spawn";

// "Replace the business step", proven in a copy of the project: the README's fulfilment
// example (a step that writes to a second table with the DynamoDB client) wired in by
// touching the step file and index.ts only. Then, in that copy: the program under mocks (the
// grants it gets, exactly), the type check, the bundle checks, and a local story through every
// path by which a change comes back, after which the second table holds one item per order.

/** Runs a command in `dir` (the copy) through the shell, as typed. */
const run = (dir: string, command: string, timeoutMs = 240000): Promise<Ran> => sh(command, { cwd: dir, timeoutMs });

describe("replace the business step: the fulfilment example, wired in by the step file and index.ts only", function () {
  this.timeout(400000);
  let dir: string;

  before(() => {
    dir = projectCopy("orders-fulfilment-", { linkModules: true });
    wireFulfilmentExample(dir);
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the README shows the example's two files as they are", () => {
    const [step, needs] = sectionBlocks("## Replace the business step");
    assert.equal(step, fs.readFileSync(path.join(EXAMPLE_DIR, "acceptOrder.ts"), "utf8"));
    assert.equal(needs, fs.readFileSync(path.join(EXAMPLE_DIR, "stepNeeds.ts"), "utf8"));
  });

  it("the program and the processors type-check with the change in place (npx tsc --noEmit)", async () => {
    // What the change can break: index.ts, the handlers, and all they import (infra/, config/,
    // routing/). The rest of the project is the same as here, where tests/typecheck.test.ts
    // checks all of it; checking only this half takes half the time (~10 s of CPU less).
    fs.writeFileSync(path.join(dir, "tsconfig.change.json"), `${JSON.stringify({ extends: "./tsconfig.json", include: ["index.ts", "handlers/**/*.ts"] })}\n`);
    const r = await run(dir, "npx tsc --noEmit -p tsconfig.change.json");
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it("under mocks: the normal processor may PutItem on exactly the fulfilment table, record its effects, and nothing else new", async () => {
    const r = await run(dir, "node -r ./tests/support/register.js tests/support/printDeclared.ts dev");
    assert.equal(r.code, 0, r.stderr);
    const { resources } = JSON.parse(r.stdout) as { resources: { type: string; name: string; id: string; state: Record<string, any> }[] };
    const fulfilment = resources.find((x) => x.type === "aws:dynamodb/table:Table" && x.name === "Fulfilment");
    const effects = resources.find((x) => x.type === "aws:dynamodb/table:Table" && x.name === "OrderEffects");
    assert.ok(fulfilment && effects);
    const role = resources.find((x) => x.type === "aws:iam/role:Role" && x.name === "NormalOrdersProcessor-role");
    const grants = resources
      .filter((x) => x.type === "aws:iam/rolePolicy:RolePolicy" && x.state.role === role?.id)
      .flatMap((p) => JSON.parse(p.state.policy).Statement.flatMap((st: { Action: string[]; Resource: string[] }) => st.Action.flatMap((a) => st.Resource.map((res) => `${a} on ${res}`))))
      .sort();
    const arnOf = (name: string) => resources.find((x) => x.name === name)?.state.arn;
    assert.deepEqual(
      grants,
      [
        // What every processor has: its own log group and DLQ.
        `logs:CreateLogStream on ${arnOf("NormalOrdersProcessor-logs")}:*`,
        `logs:PutLogEvents on ${arnOf("NormalOrdersProcessor-logs")}:*`,
        `sqs:SendMessage on ${arnOf("NormalOrdersProcessor-dlq")}`,
        // What effects-once needs, on the idempotency table only.
        `dynamodb:DeleteItem on ${effects.state.arn}`,
        `dynamodb:GetItem on ${effects.state.arn}`,
        `dynamodb:PutItem on ${effects.state.arn}`,
        `dynamodb:UpdateItem on ${effects.state.arn}`,
        // The example's one grant.
        `dynamodb:PutItem on ${fulfilment.state.arn}`,
      ].sort(),
    );
    const fn = resources.find((x) => x.type === "aws:lambda/function:Function" && x.name === "NormalOrdersProcessor");
    assert.equal(fn?.state.environment.variables.ORDERS_SETTING_FULFILMENT_TABLE, fulfilment.state.name);
    const premiumRole = resources.find((x) => x.type === "aws:iam/role:Role" && x.name === "PremiumOrdersProcessor-role");
    const premiumPolicies = resources.filter((x) => x.type === "aws:iam/rolePolicy:RolePolicy" && x.state.role === premiumRole?.id);
    assert.ok(!premiumPolicies.some((p) => p.state.policy.includes("Fulfilment")), "the premium route's processor gets nothing of it");
  });

  it("the bundle checks pass there: the SDK client the step imports changes nothing we ship", async () => {
    const r = await run(dir, "npx mocha --no-config -r tests/support/register.js -r tests/setup.ts --extension ts --timeout 120000 tests/handlers.test.ts -g 'handler bundles'");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /passing/);
    assert.doesNotMatch(r.stdout, /failing/);
  });

  it("locally, through retries, bisection, a redriven pointer, a fixed and redriven quarantine and a replayed stream: one fulfilment item per order, repeats suppressed", async () => {
    const r = await run(dir, "node -r ./tests/support/register.js tests/support/fulfilmentStory.ts");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop() as string);
    assert.deepEqual(
      out.items.map((i: { orderId: string }) => i.orderId),
      ["f-1", "f-2", "f-3", "f-4", "f-5", "f-6", "f-7", "f-8", "f-9"],
      "exactly one item per order: f-7 after its retries, f-8 after its pointer's redrive, f-9 from its fix",
    );
    assert.equal(out.items.find((i: { orderId: string }) => i.orderId === "f-9").amount, "300", "f-9's item carries the fixed amount");
    assert.equal(out.items.find((i: { orderId: string }) => i.orderId === "f-1").status, "pending", "f-1's shipping found its item and wrote nothing");
    assert.ok(out.retried >= 2, `the pipe retried (${out.retried})`);
    assert.deepEqual(out.pointers.map((p: { deleted: boolean }) => p.deleted), [true], JSON.stringify(out.pointers));
    assert.deepEqual(out.quarantined.map((q: { deleted: boolean }) => q.deleted), [true], JSON.stringify(out.quarantined));
    // The replay delivered f-9's malformed change again: quarantined again, as the record still is.
    assert.deepEqual(out.dlqLeft, ["quarantine f-9"]);
    assert.equal(out.replayFailures, 0);
    assert.equal(out.replayed, 11, "nine puts, f-1's shipping and f-9's fix pass the normal filter");
    // Every well-formed replayed change was a repeat (all but f-9's malformed one), and so was the
    // quarantined order's redrive; before those, the pipe's retries re-delivered the changes of
    // other orders handled beside f-7's failures (handlers/batch.ts): repeats too, never run twice.
    assert.ok(out.repeatsOfRetries >= 0 && out.repeatsOfRetries <= 9, `repeats of the retries: ${out.repeatsOfRetries}`);
    assert.equal(out.repeats, out.repeatsOfRetries + out.replayed - 1 + 1, `repeats ${out.repeats}, of the retries ${out.repeatsOfRetries}, replayed ${out.replayed}`);
  });
});
