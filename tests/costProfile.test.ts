import { strict as assert } from "node:assert";
import { measureHandlerProfile } from "../bench/handlerProfile";
import { HANDLER_OUTCOMES, type HandlerProfile, loadHandlerProfile } from "../cost/handlerProfile";
import { ROUTE_NAMES } from "../routing/route";

// cost/handler-profile.json is measured by `npm run bench cost`; this re-measures what does
// not depend on timing (bytes written, metrics emitted, quarantine envelope) by running the
// handler bundles again, so the cost model cannot drift from the shipped handlers unnoticed.

describe("cost: the handler profile matches the shipped handlers", function () {
  this.timeout(120000);
  let committed: HandlerProfile;
  let measured: HandlerProfile;
  before(async () => {
    committed = loadHandlerProfile();
    measured = await measureHandlerProfile({ timing: false });
  });

  const close = (what: string, actual: number, expected: number) =>
    assert.ok(Math.abs(actual - expected) <= Math.max(2, expected * 0.02), `${what}: the handlers now write ${actual} bytes, the profile says ${expected}; run \`npm run bench cost\` to re-measure`);

  for (const route of ROUTE_NAMES) {
    it(`${route}: log bytes per invocation and per record, within 2 %`, () => {
      const m = measured.routes[route];
      const c = committed.routes[route];
      close(`${route} per invocation`, m.logBytesPerInvocation, c.logBytesPerInvocation);
      close(`${route} per invocation with orders`, m.logBytesPerInvocationWithOrders, c.logBytesPerInvocationWithOrders);
      for (const o of HANDLER_OUTCOMES) close(`${route} per ${o} record`, m.logBytesPerRecord[o], c.logBytesPerRecord[o]);
      close(`${route} quarantine envelope`, m.quarantineEnvelopeBytes, c.quarantineEnvelopeBytes);
    });

    it(`${route}: the custom metrics it emits (EMF, namespace/name [dimensions])`, () => {
      assert.deepEqual(measured.routes[route].metrics, committed.routes[route].metrics);
      const name = route === "normal" ? "OrdersAccepted" : "PremiumOrdersShipped";
      assert.ok(measured.routes[route].metrics.withOrders.includes(`OrdersPipeline/${name} [service]`));
      assert.equal(measured.routes[route].metrics.perInvocation.length, 3);
    });
  }

  it("an order costs more log bytes than a skipped record; a record the processor's filter drops still writes a WARN line", () => {
    for (const route of ROUTE_NAMES) {
      const b = measured.routes[route].logBytesPerRecord;
      assert.ok(b.processed > 300 && b.skipped < 5 && b.filtered > 200, JSON.stringify(b));
    }
  });

  it("the committed profile carries bench durations", () => {
    for (const route of ROUTE_NAMES) assert.ok(committed.routes[route].durationMs.perInvocation > 0 && committed.routes[route].durationMs.perRecord > 0);
  });
});
