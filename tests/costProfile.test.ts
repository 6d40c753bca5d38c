import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { measureHandlerProfile } from "../bench/handlerProfile";
import { declaredMetrics, type HandlerProfile, loadHandlerProfile, RECORD_OUTCOMES, resolveProfile } from "../cost/handlerProfile";
import { loadStackFileSettings } from "../config/stackFile";
import type { RouteDeclaration } from "../routing/route";
import { ROUTES } from "../routing/routes";
import { routesFromSettings } from "../routing/stackRoutes";
import { tempDir } from "./support/tempDir";

// cost/handler-profile.json is measured by `npm run bench cost` for every declared pipe and
// route; this re-measures what does not depend on timing (bytes written, metrics emitted,
// quarantine envelope) by running the processor bundles again, so the cost model cannot drift
// from the shipped handlers unnoticed. And a route the profile does not know is priced with
// another's figures, said in so many words, never refused.

describe("cost: the handler profile matches the shipped processors", function () {
  this.timeout(120000);
  let committed: HandlerProfile;
  let measured: HandlerProfile;
  const said: string[] = [];
  before(async () => {
    committed = loadHandlerProfile();
    measured = await measureHandlerProfile({ timing: false, say: (line) => said.push(line) });
  });

  const close = (what: string, actual: number, expected: number) =>
    assert.ok(Math.abs(actual - expected) <= Math.max(2, expected * 0.02), `${what}: the processors now write ${actual} bytes, the profile says ${expected}; run \`npm run bench cost\` to re-measure`);

  it("every declared pipe and route is measured, and the committed profile has them all", () => {
    const declared = routesFromSettings(loadStackFileSettings("dev"));
    assert.deepEqual(Object.keys(measured.pipes), declared.pipes.map((p) => p.owner));
    assert.deepEqual(Object.keys(measured.routes).sort(), declared.routes.map((r) => r.name).sort());
    assert.deepEqual(Object.keys(committed.pipes), Object.keys(measured.pipes), "run `npm run bench cost`");
    assert.deepEqual(Object.keys(committed.routes).sort(), Object.keys(measured.routes).sort(), "run `npm run bench cost`");
  });

  for (const route of ROUTES.map((d) => d.name)) {
    it(`${route}: log bytes per invocation and per record, within 2 %`, () => {
      const m = measured.routes[route];
      const c = committed.routes[route];
      close(`${route} per invocation`, m.logBytesPerInvocation, c.logBytesPerInvocation);
      close(`${route} per invocation with orders`, m.logBytesPerInvocationWithOrders, c.logBytesPerInvocationWithOrders);
      for (const o of RECORD_OUTCOMES) close(`${route} per ${o} record`, m.logBytesPerRecord[o], c.logBytesPerRecord[o]);
    });

    it(`${route}: the custom metrics it emits are those its declaration implies (EMF, namespace/name [service])`, () => {
      const d = ROUTES.find((x) => x.name === route) as RouteDeclaration;
      assert.deepEqual(measured.routes[route].metrics, declaredMetrics(d));
      assert.deepEqual(committed.routes[route].metrics, declaredMetrics(d));
    });
  }

  it("per pipe: its invocation lines, its outcomes line, its quarantine envelope, within 2 %", () => {
    for (const [owner, m] of Object.entries(measured.pipes)) {
      const c = committed.pipes[owner];
      close(`${owner}'s pipe per invocation`, m.logBytesPerInvocation, c.logBytesPerInvocation);
      close(`${owner}'s pipe outcomes line`, m.logBytesPerOutcomesLine, c.logBytesPerOutcomesLine);
      close(`${owner}'s pipe quarantine envelope`, m.quarantineEnvelopeBytes, c.quarantineEnvelopeBytes);
      close(`${owner}'s pipe heartbeat invocation`, m.logBytesPerHeartbeatInvocation, c.logBytesPerHeartbeatInvocation);
      assert.deepEqual(c.routes, m.routes);
    }
  });

  it("an order costs more log bytes than a skipped record; a rejected one carries a WARN line", () => {
    for (const r of Object.values(measured.routes)) {
      assert.ok(r.logBytesPerRecord.processed > r.logBytesPerRecord.skipped && r.logBytesPerRecord.skipped > 50 && r.logBytesPerRecord.rejected > 300, JSON.stringify(r.logBytesPerRecord));
    }
  });

  it("where the sample has too few records of an outcome, the bench makes them and says so", () => {
    // The sample has 57 processed and 26 skipped records for premium: the rest are made.
    assert.match(committed.routes.premium.measuredOn, /processed from the sample and \d+ made from sample records/);
    assert.ok(said.some((l) => /^route premium: .*made from sample records/.test(l)), said.join("\n"));
  });

  it("the committed profile carries bench durations", () => {
    for (const p of Object.values(committed.pipes)) assert.ok(p.durationMs.perInvocation > 0 && p.durationMs.perRecord > 0);
  });
});

describe("cost: a route without measurements is priced with another's, and the estimate says which", () => {
  const refunds: RouteDeclaration = { name: "refunds", changes: ["MODIFY"], statuses: ["refunded"], amount: "any", excludeTestCustomers: false, step: "refundOrder", pipe: "normal" };
  const declarations = [...ROUTES, refunds];
  const declared = routesFromSettings(loadStackFileSettings("dev"), declarations);
  const profile = loadHandlerProfile();

  it("refunds takes normal's bytes (the route whose pipe it shares) and its own declared metrics", () => {
    const resolved = resolveProfile(profile, declarations, declared.pipes);
    assert.deepEqual(resolved.routes.refunds.logBytesPerRecord, profile.routes.normal.logBytesPerRecord);
    assert.deepEqual(resolved.routes.refunds.metrics.withOrders, ["OrdersPipeline/OrderAmountProcessed [service]", "OrdersPipeline/OrdersProcessed [service]", "OrdersPipeline/ProcessingLatency [service]"]);
    assert.equal(resolved.routes.refunds.source, "route normal's measurements");
    assert.equal(resolved.statements.length, 2, resolved.statements.join("\n"));
    assert.match(resolved.statements[0], /^Route refunds has no measurements in the handler profile \(measured [\d-]+, for normal, premium\): its log bytes are route normal's \(the route whose pipe it shares\) \(/);
    assert.match(resolved.statements[0], /run `npm run bench cost` to measure it\.$/);
    assert.match(resolved.statements[1], /^NormalOrdersPipe's processor was measured serving normal; it now serves normal, refunds/);
  });

  it("a profile that cannot be read is named, with what to run", () => {
    const dir = tempDir("orders-profile-");
    assert.throws(() => loadHandlerProfile(dir), new RegExp(`handler profile ${dir} is a directory; give a file; run \`npm run bench cost\``));
    const old = path.join(dir, "old.json");
    fs.writeFileSync(old, JSON.stringify({ routes: { normal: {} } }));
    assert.throws(() => loadHandlerProfile(old), /has no "pipes" and "routes" \(an older format\?\); run `npm run bench cost`/);
  });
});
