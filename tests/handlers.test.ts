import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadStackFileSettings } from "../config/stackFile";
import { processBatch, type BatchDeps } from "../handlers/batch";
import { DEFAULT_ORDERS_IN_FLIGHT } from "../handlers/constants";
import { ordersInFlightOf } from "../handlers/lambda";
import type { OrderContext, OrderHandler } from "../handlers/business";
import { step as acceptOrder } from "../handlers/steps/acceptOrder";
import { step as shipPremiumOrder } from "../handlers/steps/shipPremiumOrder";
import { QUARANTINE_KIND, type QuarantineMessage } from "../handlers/quarantine";
import { parseFaults, withInjectedFaults } from "../handlers/faults";
import { bundleProcessor, type ServedRoute } from "../infra/bundle";
import { routeEvaluator } from "../routing/decide";
import { routesFromEnvironment, routesToEnvironment } from "../routing/environment";
import type { OrderChange } from "../routing/order";
import { routeNamed, routesFromSettings, servedBy } from "../routing/stackRoutes";
import { captureStdout } from "./support/capture";
import { image, inserted, modified, record } from "./support/records";
import { handlerTestEnvironment } from "./support/handlerEnv";

const declared = routesFromSettings(loadStackFileSettings("dev"));
const routes = { normal: routeNamed(declared, "normal"), premium: routeNamed(declared, "premium") };
/** The seed's processors: each serves one route with its step. */
const SEED_PROCESSORS: Record<"normal" | "premium", ServedRoute[]> = {
  normal: [{ route: "normal", step: "acceptOrder", metrics: { count: "OrdersAccepted", amount: "OrderAmountAccepted" } }],
  premium: [{ route: "premium", step: "shipPremiumOrder", metrics: { count: "PremiumOrdersShipped", amount: "PremiumOrderAmountShipped" } }],
};

interface Harness {
  deps: BatchDeps;
  handled: string[];
  quarantined: QuarantineMessage[];
}

function harness(routeName: "normal" | "premium", opts: { failOn?: string; quarantineFails?: boolean } = {}): Harness {
  const handled: string[] = [];
  const quarantined: QuarantineMessage[] = [];
  const handleOrder: OrderHandler = async (order: OrderChange) => {
    if (order.eventID === opts.failOn) throw new Error("downstream timeout");
    handled.push(order.eventID);
  };
  const context: OrderContext = { route: routeName, log: { info() {} }, metrics: { count() {}, amount() {} }, settings: {} };
  return {
    handled,
    quarantined,
    deps: {
      routes: [{ evaluator: routeEvaluator(routes[routeName]), handleOrder, context }],
      quarantine: async (m) => {
        if (opts.quarantineFails) throw new Error("SQS unavailable");
        quarantined.push(m);
        return "whole";
      },
      warn: () => {},
    },
  };
}

/** The harness's route with `handleOrder` as its step (the batch tests watch what runs when). */
function withStep(h: Harness, handleOrder: (order: OrderChange) => Promise<void>): void {
  h.deps = { ...h.deps, routes: [{ ...h.deps.routes[0], handleOrder }] };
}

/** A record each route processes: an insert for normal, a pending→shipped change for premium. */
function good(routeName: "normal" | "premium", id: string, fields = {}) {
  return routeName === "normal" ? inserted({ amount: "250", ...fields }, id) : modified("pending", { amount: "1500", ...fields }, id);
}

for (const routeName of ["normal", "premium"] as const) {
  describe(`${routeName} processor batches`, () => {
    it("a clean batch: every record processed in order, no failures", async () => {
      const h = harness(routeName);
      const out = await processBatch([good(routeName, "a"), good(routeName, "b"), good(routeName, "c")], h.deps);
      assert.deepEqual(out.batchItemFailures, []);
      assert.deepEqual(h.handled, ["a", "b", "c"]);
      assert.equal(out.counts.processed, 3);
    });

    it("a malformed record in the middle is quarantined with its reason; the rest are processed", async () => {
      const h = harness(routeName);
      const bad = good(routeName, "bad", { amount: { S: "lots" } });
      const out = await processBatch([good(routeName, "a"), bad, good(routeName, "c")], h.deps);
      assert.deepEqual(out.batchItemFailures, []);
      assert.deepEqual(h.handled, ["a", "c"]);
      assert.equal(h.quarantined.length, 1);
      const q = h.quarantined[0];
      assert.equal(q.kind, QUARANTINE_KIND);
      assert.equal(q.route, routeName);
      assert.equal(q.eventID, "bad");
      assert.deepEqual(q.record, bad, "the whole record travels in the envelope");
      assert.match(q.reasons.join(), /orderAmount is a string \(S\), expected a number \(N\)/);
      assert.ok(!Number.isNaN(Date.parse(q.quarantinedAt)));
    });

    it("a transient failure in the middle: that record and every later one are failures, by eventID", async () => {
      const h = harness(routeName, { failOn: "b" });
      const batch = ["a", "b", "c", "d"].map((id) => good(routeName, id));
      const out = await processBatch(batch, h.deps);
      assert.deepEqual(out.batchItemFailures, [{ itemIdentifier: "b" }, { itemIdentifier: "c" }, { itemIdentifier: "d" }]);
      assert.deepEqual(h.handled, ["a"], "records after the failure are not run, the one before is not re-run");
    });

    it("when the DLQ send fails the malformed record becomes a batch item failure: nothing is lost", async () => {
      const h = harness(routeName, { quarantineFails: true });
      const out = await processBatch([good(routeName, "a"), good(routeName, "bad", { amount: "NaN" }), good(routeName, "c")], h.deps);
      assert.deepEqual(out.batchItemFailures, [{ itemIdentifier: "bad" }, { itemIdentifier: "c" }]);
      // Quarantines are sent after the steps (one cannot be taken back): c's step had run, and its retry is a repeat.
      assert.deepEqual(h.handled, ["a", "c"]);
      assert.deepEqual(
        out.outcomes.map((o) => `${o.eventID} ${o.outcome}`),
        ["a processed", "bad failed", "c processed"],
      );
    });

    it("REMOVE events and records without a NewImage are acknowledged as filtered", async () => {
      const h = harness(routeName);
      const removed = record({ eventID: "r", eventName: "REMOVE", oldImage: image({ orderId: "o-1", status: "pending", amount: "500", email: "a@b.com" }) });
      const noNew = record({ eventID: "n", eventName: "MODIFY", oldImage: image({ orderId: "o-1", status: "pending", amount: "500", email: "a@b.com" }) });
      const out = await processBatch([removed, noNew], h.deps);
      assert.deepEqual(out.batchItemFailures, []);
      assert.equal(out.counts.filtered, 2);
      assert.deepEqual(h.handled, []);
      assert.deepEqual(h.quarantined, []);
    });

    it("different orders are handled at once, each order's records one after another in shard order", async () => {
      const h = harness(routeName);
      let inFlight = 0;
      let most = 0;
      const running = new Set<string>();
      const seen: string[] = [];
      withStep(h, async (order) => {
        assert.ok(!running.has(order.orderId), `two records of ${order.orderId} at once`);
        running.add(order.orderId);
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        seen.push(order.eventID);
        inFlight--;
        running.delete(order.orderId);
      });
      // 40 orders, 3 changes each, interleaved as a shard would hold them.
      const batch = [0, 1, 2].flatMap((n) => Array.from({ length: 40 }, (_, k) => good(routeName, `o${k}-${n}`, { orderId: `o${k}` })));
      const out = await processBatch(batch, h.deps);
      assert.deepEqual(out.batchItemFailures, []);
      assert.equal(most, DEFAULT_ORDERS_IN_FLIGHT, "as many orders at once as allowed, no more");
      for (let k = 0; k < 40; k++) {
        const own = seen.filter((id) => id.startsWith(`o${k}-`));
        assert.deepEqual(own, [`o${k}-0`, `o${k}-1`, `o${k}-2`], `order o${k} in shard order`);
      }
      assert.deepEqual(
        out.outcomes.map((o) => o.eventID),
        batch.map((r) => r.eventID),
        "the report lists the records in shard order, whatever order they finished in",
      );
    });

    it("orders:ordersInFlight sets how many orders at once: 1 handles the batch one record after another", async () => {
      for (const limit of [1, 3]) {
        const h = harness(routeName);
        let inFlight = 0;
        let most = 0;
        const seen: string[] = [];
        withStep(h, async (order) => {
          most = Math.max(most, ++inFlight);
          await new Promise((r) => setTimeout(r, 2));
          seen.push(order.eventID);
          inFlight--;
        });
        h.deps = { ...h.deps, ordersInFlight: limit };
        const batch = Array.from({ length: 12 }, (_, k) => good(routeName, `e${k}`, { orderId: `o${k}` }));
        await processBatch(batch, h.deps);
        assert.equal(most, limit);
        if (limit === 1) assert.deepEqual(seen, batch.map((r) => r.eventID), "in shard order");
      }
    });

    it("a failure beside other orders: the pipe retries from the earliest failed record; that order stops, no later record starts", async () => {
      const h = harness(routeName);
      const started: string[] = [];
      withStep(h, async (order) => {
        started.push(order.eventID);
        // b-1 fails late, after the records of the other orders before it have finished.
        await new Promise((r) => setTimeout(r, order.eventID === "b-1" ? 20 : 1));
        if (order.eventID === "b-1" || order.eventID === "c-1") throw new Error(`${order.eventID} timed out`);
      });
      const ids = ["a-1", "b-1", "c-1", "a-2", "b-2", "d-1"];
      const batch = ids.map((id) => good(routeName, id, { orderId: id.slice(0, 1) }));
      const out = await processBatch(batch, h.deps);
      assert.deepEqual(
        out.batchItemFailures.map((f) => f.itemIdentifier),
        ["b-1", "c-1", "a-2", "b-2", "d-1"],
        "from the earliest failure (b-1), though c-1 failed first",
      );
      assert.ok(!started.includes("b-2"), "b's later change never runs before b-1 succeeds");
      assert.ok(started.includes("a-1") && started.includes("c-1"));
      const failed = out.outcomes.filter((o) => o.outcome === "failed");
      assert.deepEqual(failed.map((o) => [o.eventID, o.reason]), [["b-1", "b-1 timed out"]]);
      assert.equal(out.counts.failed, 5);
      assert.deepEqual(
        out.outcomes.map((o) => `${o.eventID} ${o.outcome}`),
        ["a-1 processed", "b-1 failed", ...started.filter((id) => ["a-2", "d-1"].includes(id)).sort((x, y) => ids.indexOf(x) - ids.indexOf(y)).map((id) => `${id} processed`)],
        "in shard order; a record after the failure that ran is reported processed (its retry is a repeat)",
      );
    });

    it("a malformed record after a failure is not quarantined yet: the pipe retries it, so it is quarantined once", async () => {
      const h = harness(routeName, { failOn: "b" });
      const batch = [good(routeName, "a", { orderId: "o-a" }), good(routeName, "b", { orderId: "o-b" }), good(routeName, "bad", { amount: "NaN", orderId: "o-c" })];
      const out = await processBatch(batch, h.deps);
      assert.deepEqual(out.batchItemFailures, [{ itemIdentifier: "b" }, { itemIdentifier: "bad" }]);
      assert.deepEqual(h.quarantined, []);
      assert.equal(out.counts.quarantined, 0);
      const retry = harness(routeName);
      await processBatch(batch.slice(1), retry.deps);
      assert.deepEqual(retry.quarantined.map((q) => q.eventID), ["bad"]);
    });

    it("a payload that is not an array fails the invocation with a clear error", async () => {
      await assert.rejects(processBatch({ Records: [] }, harness(routeName).deps), /expected the pipe's payload to be a JSON array/);
    });
  });
}

describe("amounts and addresses through each processor", () => {
  // [route, amount or email, expected outcome] — expected written by hand from the intent.
  const amounts: [route: "normal" | "premium", amount: string | Record<string, string>, outcome: string][] = [
    ["normal", "100", "skipped"],
    ["normal", "100.00000000000000000001", "processed"],
    ["normal", "1e3", "processed"],
    ["normal", "-5", "quarantined"],
    ["normal", "NaN", "quarantined"],
    ["normal", { S: "150" }, "quarantined"],
    ["premium", "1000", "skipped"],
    ["premium", "1000.00000000000000000001", "processed"],
    ["premium", "1e3", "skipped"],
    ["premium", "1.5e3", "processed"],
    ["premium", "-5", "quarantined"],
    ["premium", "NaN", "quarantined"],
    ["premium", { S: "5000" }, "quarantined"],
    // Numbers DynamoDB cannot store are malformed (1e400 would be Infinity as a metric).
    ["normal", "1e400", "quarantined"],
    ["premium", "1e400", "quarantined"],
    ["normal", "1E-131", "quarantined"],
    ["normal", "9.9999999999999999999999999999999999999E+125", "processed"],
    ["premium", "9.9999999999999999999999999999999999999E+125", "processed"],
  ];
  const emails: [route: "normal" | "premium", email: string, outcome: string][] = [
    ["normal", "ann@TEST.COM", "skipped"],
    ["normal", "qa@qa.test.com", "skipped"],
    ["normal", "bob@test.com.example.org", "processed"],
    ["normal", "bob@nottest.com", "processed"],
    ["normal", "no-at-sign", "quarantined"],
    ["premium", "ann@TEST.COM", "processed"],
    ["premium", "qa@qa.test.com", "processed"],
    ["premium", "no-at-sign", "quarantined"],
    // Whitespace around an address does not hide a test customer, nor an empty domain.
    ["normal", "qa@test.com ", "skipped"],
    ["normal", "qa@test.com\t", "skipped"],
    ["normal", " qa@TEST.com", "skipped"],
    ["normal", "ann@ ", "quarantined"],
    ["premium", "qa@test.com ", "processed"],
    ["premium", "ann@ ", "quarantined"],
  ];
  async function outcomeOf(route: "normal" | "premium", rec: Record<string, unknown>): Promise<string> {
    const h = harness(route);
    const out = await processBatch([rec], h.deps);
    if (out.counts.processed) return "processed";
    if (out.counts.skipped) return "skipped";
    if (out.counts.quarantined) return "quarantined";
    return "filtered";
  }
  for (const [route, amount, expected] of amounts) {
    it(`${route}: orderAmount ${JSON.stringify(amount)} → ${expected}`, async () => {
      assert.equal(await outcomeOf(route, good(route, "x", { amount })), expected);
    });
  }
  for (const [route, email, expected] of emails) {
    it(`${route}: customerEmail ${JSON.stringify(email)} → ${expected}`, async () => {
      assert.equal(await outcomeOf(route, good(route, "x", { email })), expected);
    });
  }
});

describe("the processor's routes come from its environment", () => {
  for (const route of Object.values(routes)) {
    it(`${route.name}: environment round-trips to the same route`, () => {
      assert.deepEqual(routesFromEnvironment(routesToEnvironment([route])), [route]);
    });
  }
  it("a processor serving two routes: each route's variables under its own prefix, round-tripping", () => {
    const refunds = { name: "bigRefunds", eventNames: ["MODIFY" as const], statuses: ["refunded"], amount: { rule: "any" as const }, excludeTestCustomers: false, testEmailDomains: ["test.com"] };
    const env = routesToEnvironment([routes.normal, refunds]);
    assert.equal(env.ORDERS_ROUTE, "normal,bigRefunds");
    assert.equal(env.ORDERS_NORMAL_MIN_AMOUNT, "100");
    assert.equal(env.ORDERS_BIG_REFUNDS_AMOUNT_RULE, "any");
    assert.equal(env.ORDERS_BIG_REFUNDS_MIN_AMOUNT, undefined, "no threshold for any amount");
    assert.equal(env.ORDERS_MIN_AMOUNT, undefined, "no unprefixed route variable on a shared processor");
    assert.deepEqual(routesFromEnvironment(env), [routes.normal, refunds]);
  });
  it("a missing or wrong variable is named", () => {
    const env = routesToEnvironment([routes.normal]);
    assert.throws(() => routesFromEnvironment({ ...env, ORDERS_MIN_AMOUNT: undefined }), /ORDERS_MIN_AMOUNT is not set/);
    assert.throws(() => routesFromEnvironment({ ...env, ORDERS_ROUTE: undefined }), /ORDERS_ROUTE is not set/);
    assert.throws(() => routesFromEnvironment({ ...env, ORDERS_EXCLUDE_TEST_CUSTOMERS: "yes" }), /ORDERS_EXCLUDE_TEST_CUSTOMERS/);
    assert.throws(() => routesFromEnvironment({ ...env, ORDERS_AMOUNT_RULE: "over" }), /ORDERS_AMOUNT_RULE is "over"; expected above, atLeast or any/);
    assert.throws(() => routesFromEnvironment({ ...env, ORDERS_ROUTE: "normal,refunds" }), /ORDERS_NORMAL_EVENT_NAMES is not set/);
  });
});

describe("business steps", () => {
  for (const [name, fn, message] of [
    ["normal", acceptOrder, "order.accepted"],
    ["premium", shipPremiumOrder, "order.premium_shipped"],
  ] as const) {
    it(`${name} logs ${message} with the order's facts and a masked address`, async () => {
      const logged: [string, Record<string, unknown>][] = [];
      const counted: string[] = [];
      const parsed = routeEvaluator(routes[name]).decide(good(name, "e-7", { email: "ann.lee@example.com" }));
      assert.equal(parsed.outcome, "processed");
      if (parsed.outcome !== "processed") return;
      await fn(parsed.order, { route: name, log: { info: (m, a) => logged.push([m, a]) }, metrics: { count: (n) => counted.push(n), amount: (n) => counted.push(n) }, settings: {} });
      assert.equal(logged.length, 1);
      assert.equal(logged[0][0], message);
      assert.equal(logged[0][1].eventID, "e-7");
      assert.equal(logged[0][1].customer, "a***@example.com");
      assert.ok(!JSON.stringify(logged).includes("ann.lee"));
      assert.deepEqual(counted, [], "the processor, not the step, counts processed orders");
    });
  }
});

describe("the processor's ORDERS_IN_FLIGHT (orders:ordersInFlight)", () => {
  it("is the default when unset, the number when set, and refused, naming the variable and the key, otherwise", () => {
    assert.equal(ordersInFlightOf({}), DEFAULT_ORDERS_IN_FLIGHT);
    assert.equal(ordersInFlightOf({ ORDERS_IN_FLIGHT: "4" }), 4);
    for (const bad of ["0", "101", "2.5", "-1", "many"]) {
      assert.throws(() => ordersInFlightOf({ ORDERS_IN_FLIGHT: bad }), /environment variable ORDERS_IN_FLIGHT is ".*"; expected a whole number from 1 to 100 \(orders:ordersInFlight\)/, bad);
    }
  });
});

describe("handler bundles", () => {
  // What we ship is the processor shell (the Lambda shell, routing, validation, effects-once,
  // Powertools), measured with a step that only logs: a team's own step may import any SDK
  // client without breaking this check (the SDK comes from the runtime, infra/bundle.ts).
  const budget = 200 * 1024;
  const FIXTURE_STEPS = path.join(__dirname, "fixtures", "steps");
  for (const entry of ["normal", "premium"] as const) {
    it(`${entry}: the shell is bundled under 200 KB, and the bundle runs a batch end to end`, async () => {
      const bundle = bundleProcessor([{ route: entry, step: "recordOnly", metrics: SEED_PROCESSORS[entry][0].metrics }], { stepsDir: FIXTURE_STEPS, sdk: "runtime" });
      assert.ok(bundle.bytes < budget, `${entry} is ${bundle.bytes} bytes`);
      assert.ok(bundle.bytes > 10 * 1024, "suspiciously small: did the handler code get bundled?");
      assert.ok(!bundle.code.includes("@pulumi/"), "no Pulumi code in a handler");
      // Load the bundle as Lambda would, with the environment the program sets.
      const dir = path.join(__dirname, "..", "node_modules", ".cache", "orders-tests");
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${entry}-${process.pid}.js`);
      fs.writeFileSync(file, bundle.code);
      const route = routes[entry];
      const saved = { ...process.env };
      Object.assign(process.env, handlerTestEnvironment(route));
      try {
        const mod = require(file) as { handler: (p: unknown) => Promise<{ batchItemFailures: unknown[] }> };
        const name = entry;
        const { result, lines } = await captureStdout(() => mod.handler([good(name, "b1", { email: "ann.lee@example.com" }), good(name, "b2", { amount: "1" })]));
        assert.deepEqual(result, { batchItemFailures: [] });
        const text = lines.join("\n");
        assert.match(text, /order\.recorded/);
        // The per-record report the local runtime reads: one entry per record and route.
        const report = lines.map((l) => JSON.parse(l)).find((l) => l.message === "batch.outcomes");
        assert.deepEqual(
          report?.outcomes.map((o: Record<string, unknown>) => [o.route, o.outcome, o.eventID, o.orderId]),
          [[name, "processed", "b1", "o-1"], [name, "skipped", "b2", "o-1"]],
        );
        assert.match(text, /"_aws":\{/, "metrics in CloudWatch embedded metric format");
        assert.ok(!text.includes("ann.lee@"), "never log a full address");
      } finally {
        process.env = saved;
        fs.rmSync(file, { force: true });
      }
    });
  }

  it("every declared processor bundles, with its routes' own steps, and holds no Pulumi code", () => {
    const declaredNow = routesFromSettings(loadStackFileSettings("dev"));
    for (const group of declaredNow.pipes) {
      const bundle = bundleProcessor(servedBy(group, declaredNow.declarations));
      assert.ok(bundle.bytes > 10 * 1024, group.processorResource);
      assert.ok(!bundle.code.includes("@pulumi/"), `${group.processorResource}: no Pulumi code in a handler`);
    }
  });

  it("keeps Powertools Idempotency as text, compiled on the first processed order, not at a cold start", () => {
    const bundle = bundleProcessor(SEED_PROCESSORS.normal);
    // The one string literal that holds the effects code (infra/bundle.ts, effectsAsText).
    const literal = /runInThisContext\("\(function \(exports, require, module\) \{"\+("(?:[^"\\]|\\.)*")\+/.exec(bundle.code);
    assert.ok(literal, "the effects code is a string compiled with vm.runInThisContext");
    const effects = JSON.parse(literal[1]) as string;
    const outside = bundle.code.replace(literal[1], '""');
    for (const name of ["IdempotencyItemAlreadyExistsError", "IdempotencyPersistenceLayerError", "IdempotencyValidationError"]) {
      assert.ok(effects.includes(name), `${name} is in the effects code`);
      assert.ok(!outside.includes(name), `${name} is not parsed at module init`);
    }
    assert.match(bundle.code, /filename:"effects\.js"/, "its frames are named effects.js in stack traces");
  });
});

describe("the SQS client is loaded only to quarantine a record (cold start)", () => {
  // A fresh process, as a cold start is: load the bundle, run a clean batch, then a batch
  // with a malformed record. The send goes nowhere (port 1), so that record comes back as a
  // batch item failure, but the client had to be loaded for it.
  for (const entry of ["normal", "premium"] as const) {
    it(`${entry}: not at init, not for a clean batch, then on the first quarantine`, () => {
      const route = routes[entry];
      const dir = path.join(__dirname, "..", "node_modules", ".cache", "orders-tests");
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${entry}-lazy-${process.pid}.js`);
      // The SDK from the runtime, as deployed: a client left out of the bundle shows in require.cache when loaded.
      fs.writeFileSync(file, bundleProcessor(SEED_PROCESSORS[entry], { sdk: "runtime" }).code);
      const clean = [good(entry, "c1")];
      // A well-formed record first: a failure at the head of a batch fails the whole invocation.
      const malformed = [good(entry, "m0"), good(entry, "m1", { amount: "1e400" })];
      const script = `
        const loaded = () => Object.keys(require.cache).some((k) => k.includes("client-sqs"));
        const out = [];
        const mod = require(${JSON.stringify(file)});
        out.push(loaded());
        (async () => {
          const a = await mod.handler(${JSON.stringify(clean)});
          out.push(loaded(), a.batchItemFailures.length);
          const b = await mod.handler(${JSON.stringify(malformed)});
          out.push(loaded(), b.batchItemFailures.map((f) => f.itemIdentifier));
          process.stderr.write("RESULT " + JSON.stringify(out) + "\\n");
        })();`;
      const env = { ...process.env, ...handlerTestEnvironment(route) };
      try {
        const r = spawnSync(process.execPath, ["-e", script], { env, encoding: "utf8", timeout: 30000 });
        const line = r.stderr.split("\n").find((l) => l.startsWith("RESULT "));
        assert.ok(line, `no result; stderr: ${r.stderr.slice(-500)}`);
        assert.deepEqual(JSON.parse(line.slice(7)), [false, false, 0, true, ["m1"]]);
      } finally {
        fs.rmSync(file, { force: true });
      }
    });
  }
});

describe("injected faults (local runs only)", () => {
  const parsed = routeEvaluator(routes.normal).decide(good("normal", "f-1"));
  const order = parsed.outcome === "processed" ? parsed.order : assert.fail("setup");
  const context: OrderContext = { route: "normal", log: { info() {} }, metrics: { count() {}, amount() {} }, settings: {} };

  it("fail an order's first n attempts, then let it through", async () => {
    let ran = 0;
    const step = withInjectedFaults(async () => void ran++, parseFaults('{"o-1": 2}', "ORDERS_INJECT_FAULTS"));
    await assert.rejects(step(order, context), /injected failure for order o-1 \(attempt 1\)/);
    await assert.rejects(step(order, context), /attempt 2/);
    await step(order, context);
    assert.equal(ran, 1);
  });

  it("-1 fails every attempt; other orders are untouched; no variable, no wrapper", async () => {
    const always = withInjectedFaults(async () => {}, parseFaults('{"o-1": -1}', "V"));
    for (let i = 0; i < 3; i++) await assert.rejects(always(order, context));
    const other = withInjectedFaults(async () => {}, parseFaults('{"o-2": -1}', "V"));
    await other(order, context);
    const plain = async () => {};
    assert.equal(withInjectedFaults(plain, parseFaults(undefined, "V")), plain);
  });

  it("a bad variable is named", () => {
    assert.throws(() => parseFaults("{", "ORDERS_INJECT_FAULTS"), /ORDERS_INJECT_FAULTS is not JSON/);
    assert.throws(() => parseFaults('{"o-1": "x"}', "ORDERS_INJECT_FAULTS"), /ORDERS_INJECT_FAULTS: o-1 must map to a whole number/);
    assert.throws(() => parseFaults("[1]", "ORDERS_INJECT_FAULTS"), /must be a JSON object/);
  });
});

describe("a processor serving two routes (a shared pipe)", () => {
  // normal, and an "audit" route on the same pipe: every change to shipped, any amount, test
  // customers included. A change to shipped of 250 is both routes' business.
  const audit = { name: "audit", eventNames: ["MODIFY" as const], statuses: ["shipped"], amount: { rule: "any" as const }, excludeTestCustomers: false, testEmailDomains: ["test.com"] };
  function shared(opts: { auditFailsOn?: string } = {}) {
    const ran: string[] = [];
    const quarantined: QuarantineMessage[] = [];
    const step = (route: string): OrderHandler => async (order) => {
      if (route === "audit" && order.eventID === opts.auditFailsOn) throw new Error("audit store down");
      ran.push(`${route}:${order.eventID}`);
    };
    const context = (route: string): OrderContext => ({ route, log: { info() {} }, metrics: { count() {}, amount() {} }, settings: {} });
    const deps: BatchDeps = {
      routes: [routes.normal, audit].map((r) => ({ evaluator: routeEvaluator(r), handleOrder: step(r.name), context: context(r.name) })),
      quarantine: async (m) => (quarantined.push(m), "whole"),
      warn: () => {},
    };
    return { deps, ran, quarantined };
  }

  it("runs each record through every route its filter passes, in declaration order, and reports each", async () => {
    const h = shared();
    const out = await processBatch([inserted({ amount: "250" }, "new"), modified("pending", { amount: "250" }, "both"), modified("pending", { amount: "50", email: "qa@test.com" }, "audit-only")], h.deps);
    assert.deepEqual(out.batchItemFailures, []);
    assert.deepEqual(h.ran, ["normal:new", "normal:both", "audit:both", "audit:audit-only"]);
    assert.deepEqual(
      out.outcomes.map((o) => `${o.route} ${o.outcome} ${o.eventID}`),
      ["normal processed new", "normal processed both", "audit processed both", "normal skipped audit-only", "audit processed audit-only"],
    );
    assert.deepEqual(out.perRoute.normal, { heartbeats: 0, skipped: 1, processed: 2, repeats: 0, quarantined: 0, failed: 0 });
    assert.deepEqual(out.perRoute.audit, { heartbeats: 0, skipped: 0, processed: 2, repeats: 0, quarantined: 0, failed: 0 });
  });

  it("a step failing on one route fails the record for all: retried from there, the other route's step runs again then", async () => {
    const h = shared({ auditFailsOn: "both" });
    const out = await processBatch([inserted({ amount: "250" }, "new"), modified("pending", { amount: "250" }, "both"), inserted({ amount: "300" }, "after")], h.deps);
    assert.deepEqual(out.batchItemFailures, [{ itemIdentifier: "both" }, { itemIdentifier: "after" }]);
    assert.deepEqual(h.ran, ["normal:new", "normal:both"], "normal's step ran for the failing record before audit's failed");
    assert.deepEqual(out.outcomes.map((o) => `${o.route} ${o.outcome} ${o.eventID}`), ["normal processed new", "normal processed both", "audit failed both"]);
    assert.equal(out.outcomes[2].reason, "audit store down");
    assert.equal(out.perRoute.audit.failed, 2, "the failing record and the one after it");
  });

  it("a malformed record passing both routes is quarantined once, and reported rejected on both", async () => {
    const h = shared();
    const out = await processBatch([modified("pending", { amount: "NaN" }, "bad")], h.deps);
    assert.deepEqual(out.batchItemFailures, []);
    assert.equal(h.quarantined.length, 1);
    assert.equal(h.quarantined[0].route, "normal");
    assert.deepEqual(out.outcomes.map((o) => `${o.route} ${o.outcome}`), ["normal rejected", "audit rejected"]);
  });

  it("the bundle of a shared processor holds both steps and runs them from the environment", async () => {
    const bundle = bundleProcessor([{ route: "normal", step: "acceptOrder", metrics: { count: "OrdersAccepted", amount: "OrderAmountAccepted" } }, { route: "audit", step: "shipPremiumOrder" }]);
    const dir = path.join(__dirname, "..", "node_modules", ".cache", "orders-tests");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `shared-${process.pid}.js`);
    fs.writeFileSync(file, bundle.code);
    const saved = { ...process.env };
    Object.assign(process.env, handlerTestEnvironment(routes.normal, audit));
    try {
      const mod = require(file) as { handler: (p: unknown) => Promise<{ batchItemFailures: unknown[] }> };
      const { result, lines } = await captureStdout(() => mod.handler([modified("pending", { amount: "250" }, "both")]));
      assert.deepEqual(result, { batchItemFailures: [] });
      const text = lines.join("\n");
      assert.match(text, /order\.accepted/);
      assert.match(text, /order\.premium_shipped/);
      // Each route's processed-order metric under its own service dimension.
      assert.match(text, /"service":"orders-normal-processor"[^\n]*"OrdersAccepted":1/);
      assert.match(text, /"service":"orders-audit-processor"[^\n]*"OrdersProcessed":1/);
    } finally {
      process.env = saved;
      fs.rmSync(file, { force: true });
    }
  });
});
