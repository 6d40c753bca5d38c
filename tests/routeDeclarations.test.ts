import { strict as assert } from "node:assert";
import { ConfigError, parseSettings } from "../config/settings";
import { loadStackFileSettings } from "../config/stackFile";
import { routeEvaluator } from "../routing/decide";
import { checkDeclarations, pipeGroups, RouteDeclarationError } from "../routing/pipes";
import { declarationProblems, filterPatterns, perStack, type RouteDeclaration, requirements, resolveRoute, routeKeys } from "../routing/route";
import { ROUTES } from "../routing/routes";
import { routesFromSettings } from "../routing/stackRoutes";
import { inserted, modified, record, image } from "./support/records";

// Routes are data: what a declaration may say, what it becomes (keys, filters, guard, pipes),
// and what is refused before anything deploys, each message naming the route and the field.

const refunds: RouteDeclaration = { name: "refunds", changes: ["MODIFY"], statuses: ["refunded"], amount: "any", excludeTestCustomers: false, step: "refundOrder", pipe: "normal" };
const route = (d: Partial<RouteDeclaration>): RouteDeclaration => ({ name: "extra", changes: ["INSERT", "MODIFY"], statuses: ["pending"], amount: "any", excludeTestCustomers: false, step: "extraStep", pipe: "normal", ...d });
const settings = { testEmailDomains: ["test.com"], routeValues: {} };

describe("route declarations: what is refused, naming the route and the field", () => {
  const rows: [what: string, declarations: RouteDeclaration[], mustSay: RegExp][] = [
    ["no route at all", [], /declares no route/],
    ["a name that is not lowerCamelCase", [...ROUTES, route({ name: "Big-Refunds" })], /route Big-Refunds in routing\/routes\.ts: name "Big-Refunds" must be lowerCamelCase/],
    ["a name taken by a stack output", [...ROUTES, route({ name: "stack" })], /route stack .*taken by a stack output/],
    ["two routes whose names differ only in case", [...ROUTES, route({ name: "nORMAL" })], /route nORMAL .*used twice/],
    ["REMOVE as a change", [...ROUTES, route({ changes: ["REMOVE" as never] })], /route extra .*changes \["REMOVE"\] must list INSERT, MODIFY or both \(a REMOVE carries no new image/],
    ["no change", [...ROUTES, route({ changes: [] })], /route extra .*changes \[\] must list/],
    ["an empty status list", [...ROUTES, route({ statuses: [] })], /route extra .*statuses must be a non-empty list/],
    ["a status with a space", [...ROUTES, route({ statuses: ["on hold"] })], /route extra .*statuses lists "on hold", which is not a status name/],
    ["previous statuses on a route that handles INSERT", [...ROUTES, route({ previousStatuses: ["pending"] })], /route extra .*previousStatuses needs changes: \["MODIFY"\]/],
    ["a threshold that is not a number", [...ROUTES, route({ amount: { above: "lots" } })], /route extra .*amount \{"above":"lots"\} must be a decimal number/],
    ["a threshold DynamoDB cannot store", [...ROUTES, route({ amount: { atLeast: "1e400" } })], /route extra .*must be 0 or within DynamoDB's number range, 1E-130 to 9\.9+E\+125: no order amount can be above it/],
    ["an amount rule of another shape", [...ROUTES, route({ amount: { over: "5" } as never })], /route extra .*must be \{ above: "100" \}, \{ atLeast: "100" \} or "any"/],
    ["a step path that leaves handlers/steps", [...ROUTES, route({ step: "../lambda" })], /route extra .*step "\.\.\/lambda" must name a module in handlers\/steps\//],
    ["a metric name CloudWatch refuses", [...ROUTES, route({ metrics: { count: "orders refunded", amount: "X" } })], /route extra .*metrics\.count "orders refunded" is not a CloudWatch metric name/],
    ["a pipe that names no route", [...ROUTES, route({ pipe: "gold" })], /route extra .*pipe "gold" names no declared route/],
    ["a pipe that names a rider", [...ROUTES, refunds, route({ pipe: "refunds" })], /route extra .*rides on normal's pipe itself; name "normal" instead/],
  ];
  for (const [what, declarations, mustSay] of rows) {
    it(what, () => {
      assert.throws(() => checkDeclarations(declarations), (err: Error) => err instanceof RouteDeclarationError && mustSay.test(err.message));
    });
  }

  it("every problem at once, not the first only", () => {
    const problems = declarationProblems([...ROUTES, route({ name: "a1", statuses: [] }), route({ name: "a2", step: "" })]);
    assert.equal(problems.length, 2, problems.join("\n"));
  });

  it("the seed's declarations are valid", () => {
    assert.deepEqual(declarationProblems(ROUTES), []);
  });
});

describe("the stream-reader limit: at most two pipes, at most five routes a pipe", () => {
  it("the seed's two routes use both readers of a shard", () => {
    assert.deepEqual(
      pipeGroups(ROUTES).map((g) => [g.pipeResource, g.processorResource, g.routes]),
      [
        ["NormalOrdersPipe", "NormalOrdersProcessor", ["normal"]],
        ["PremiumOrdersPipe", "PremiumOrdersProcessor", ["premium"]],
      ],
    );
  });

  it("a third route with a pipe of its own is refused, naming the limit, AWS's words and the fix", () => {
    const third = { ...refunds, pipe: undefined };
    assert.throws(
      () => checkDeclarations([...ROUTES, third]),
      /3 pipes would read each shard of the Orders stream \(NormalOrdersPipe, PremiumOrdersPipe, RefundsOrdersPipe\), but a DynamoDB stream shard serves at most 2 readers at once.*"No more than two processes at most should be reading from the same streams shard at the same time".*Let route refunds share a pipe: add pipe: "normal" or "premium" to its declaration/,
    );
  });

  it("a third route riding on a pipe: still two readers, the pipe serves both routes", () => {
    const groups = checkDeclarations([...ROUTES, refunds]);
    assert.equal(groups.length, 2);
    assert.deepEqual(groups[0].routes, ["normal", "refunds"]);
    assert.equal(groups[0].pipeResource, "NormalOrdersPipe", "the pipe keeps its name: no replacement, no re-read");
  });

  it("a sixth route on one pipe is refused: a pipe takes five filter patterns", () => {
    const riders = ["r1", "r2", "r3", "r4", "r5"].map((name) => route({ name }));
    assert.throws(() => checkDeclarations([...ROUTES, ...riders]), /the pipe of route normal would serve 6 routes \(normal, r1, r2, r3, r4, r5\), one filter pattern each, but a pipe takes at most 5 filter patterns/);
    assert.doesNotThrow(() => checkDeclarations([...ROUTES, ...riders.slice(0, 4)]));
  });
});

describe("route declarations: what they become", () => {
  it("config keys: a threshold always, the perStack fields, named after the route", () => {
    assert.deepEqual(
      ROUTES.flatMap(routeKeys).map((k) => [k.key, k.default]),
      [
        ["normalMinAmount", "100"],
        ["normalStatuses", ["pending", "shipped"]],
        ["premiumMinAmount", "1000"],
        ["premiumExcludesTestCustomers", false],
      ],
      "the seed's orders: keys, unchanged",
    );
    assert.deepEqual(routeKeys(refunds), [], "any amount, nothing per stack: no key");
    assert.deepEqual(routeKeys(route({ name: "bulk", amount: { atLeast: "50" }, previousStatuses: perStack(["pending"]), changes: ["MODIFY"] })).map((k) => k.key), ["bulkMinAmount", "bulkPreviousStatuses"]);
  });

  it("a new route's keys are read from the stack file like the seed's, and refused with a did-you-mean", () => {
    const bulk = route({ name: "bulk", amount: { atLeast: "50" } });
    const s = parseSettings({ bulkMinAmount: "75" }, "Pulumi.test.yaml", [...ROUTES, bulk]);
    const r = resolveRoute(bulk, s);
    assert.deepEqual(r.amount, { rule: "atLeast", threshold: "75" });
    assert.throws(
      () => parseSettings({ bulkMinAmout: "75" }, "Pulumi.test.yaml", [...ROUTES, bulk]),
      (err: Error) => err instanceof ConfigError && /orders:bulkMinAmout in Pulumi\.test\.yaml is not a setting of this program; did you mean orders:bulkMinAmount\?/.test(err.message),
    );
    assert.throws(() => parseSettings({ bulkMinAmount: "-1" }, "Pulumi.test.yaml", [...ROUTES, bulk]), /orders:bulkMinAmount is -1 in Pulumi\.test\.yaml; must be 0 or more/);
  });

  // [amount rule, amount, expected outcome], written by hand.
  const amounts: [rule: RouteDeclaration["amount"], amount: string, outcome: string][] = [
    [{ above: "100" }, "100", "skipped"],
    [{ above: "100" }, "100.00000000000000000001", "processed"],
    [{ atLeast: "100" }, "100", "processed"],
    [{ atLeast: "100" }, "99.99999999999999999999", "skipped"],
    [{ atLeast: "0" }, "0", "processed"],
    ["any", "0", "processed"],
    ["any", "9.9999999999999999999999999999999999999E+125", "processed"],
    ["any", "-1", "rejected"],
  ];
  for (const [rule, amount, outcome] of amounts) {
    it(`amount ${JSON.stringify(rule)}: ${amount} → ${outcome}`, () => {
      const e = routeEvaluator(resolveRoute(route({ amount: rule }), settings));
      assert.equal(e.decide(inserted({ status: "pending", amount })).outcome, outcome);
    });
  }

  it("the reason of an at-least skip says below", () => {
    const d = routeEvaluator(resolveRoute(route({ amount: { atLeast: "100" } }), settings)).decide(inserted({ status: "pending", amount: "5" }));
    assert.ok(d.outcome === "skipped" && d.reason === "orderAmount 5 is below 100", JSON.stringify(d));
  });

  it("a MODIFY-only route without a transition: the filter requires the old image's key, so an INSERT never reaches the processor", () => {
    const r = resolveRoute(refunds, settings);
    assert.deepEqual(filterPatterns(r), [{ dynamodb: { NewImage: { orderStatus: { S: ["refunded"] } }, OldImage: { orderId: { S: [{ exists: true }] } } } }]);
    const e = routeEvaluator(r);
    assert.equal(e.decide(modified("shipped", { status: "refunded", amount: "5" })).outcome, "processed");
    assert.equal(e.decide(inserted({ status: "refunded", amount: "5" })).outcome, "filtered");
    assert.match(requirements(r)[0].why ?? "", /the filter requires the OldImage's orderId, which only a MODIFY has/);
  });

  it("an INSERT-only route: the filter requires that there is no old image, so a MODIFY never reaches the processor", () => {
    const r = resolveRoute(route({ changes: ["INSERT"] }), settings);
    const e = routeEvaluator(r);
    assert.equal(e.decide(inserted({ status: "pending", amount: "5" })).outcome, "processed");
    assert.equal(e.decide(modified("shipped", { status: "pending", amount: "5" })).outcome, "filtered");
    const removed = record({ eventName: "REMOVE", oldImage: image({ orderId: "o-1", status: "pending", amount: "5", email: "a@b.com" }) });
    assert.equal(e.decide(removed).outcome, "filtered");
  });

  it("route explain has no amount row for a route of any amount", () => {
    assert.ok(!requirements(resolveRoute(refunds, settings)).some((r) => r.requirement === "Amount"));
  });

  it("the stack's routes, in declaration order, with the stack's values", () => {
    const dev = routesFromSettings(loadStackFileSettings("dev"));
    assert.deepEqual(dev.routes.map((r) => [r.name, r.amount]), [
      ["normal", { rule: "above", threshold: "100" }],
      ["premium", { rule: "above", threshold: "1000" }],
    ]);
  });
});
