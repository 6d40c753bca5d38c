import { strict as assert } from "node:assert";
import { loadStackFileSettings } from "../config/stackFile";
import { checkRouteFilters, routeEvaluator } from "../routing/decide";
import { dynamoFilterProblems } from "../routing/dynamoFilterCheck";
import { compile } from "../routing/eventPattern";
import { filterPatterns, requirements } from "../routing/route";
import { routeNamed, routesFromSettings } from "../routing/stackRoutes";
import { benchRecords } from "../bench/records";
import { image, inserted, modified, record } from "./support/records";

const settings = loadStackFileSettings("dev");
const declared = routesFromSettings(settings);
const routes = { normal: routeNamed(declared, "normal"), premium: routeNamed(declared, "premium") };
const normal = routeEvaluator(routes.normal);
const premium = routeEvaluator(routes.premium);
/** The stack's route `name` with some of its own keys set (orders:<name><Field>). */
const withKeys = (name: string, routeValues: Record<string, unknown>) => routeNamed(routesFromSettings({ ...settings, routeValues: { ...settings.routeValues, ...routeValues } }), name);

type Row = [name: string, rec: unknown, normal: string, premium: string];

// The seed's two requirement tables, record by record. Expected outcomes written by hand
// from the intent: filtered (the pipe drops it), skipped (the guard drops it), processed,
// rejected (malformed: quarantined with a reason).
const rows: Row[] = [
  // Normal table: Status, Amount, Exclude tests, Events
  ["new pending order of 250", inserted({ status: "pending", amount: "250" }), "processed", "filtered"],
  ["new shipped order of 250", inserted({ status: "shipped", amount: "250" }), "processed", "filtered"],
  ["new cancelled order", inserted({ status: "cancelled", amount: "250" }), "filtered", "filtered"],
  ["status is case-sensitive (Pending)", inserted({ status: "Pending", amount: "250" }), "filtered", "filtered"],
  ["amount exactly 100", inserted({ amount: "100" }), "skipped", "filtered"],
  ["amount 100.00000000000000000001", inserted({ amount: "100.00000000000000000001" }), "processed", "filtered"],
  ["amount 99.99", inserted({ amount: "99.99" }), "skipped", "filtered"],
  ["amount 1e3", inserted({ amount: "1e3" }), "processed", "filtered"],
  ["amount 0", inserted({ amount: "0" }), "skipped", "filtered"],
  ["customer at test.com", inserted({ email: "qa@test.com" }), "skipped", "filtered"],
  ["customer at TEST.COM", inserted({ email: "qa@TEST.COM" }), "skipped", "filtered"],
  ["customer at a test subdomain", inserted({ email: "qa@qa.test.com" }), "skipped", "filtered"],
  ["customer at test.com.example.org is real", inserted({ email: "bob@test.com.example.org" }), "processed", "filtered"],
  ["customer at nottest.com is real", inserted({ email: "bob@nottest.com" }), "processed", "filtered"],
  ["customer whose name starts with test.com", inserted({ email: "test.com@example.com" }), "processed", "filtered"],
  ["REMOVE event", record({ eventName: "REMOVE", oldImage: image({ orderId: "o-1", status: "pending", amount: "500", email: "a@b.com" }) }), "filtered", "filtered"],
  // Premium table: MODIFY, amount > 1000, shipped, from pending
  ["pending → shipped, 1500", modified("pending", { amount: "1500" }), "processed", "processed"],
  ["pending → shipped, exactly 1000", modified("pending", { amount: "1000" }), "processed", "skipped"],
  ["pending → shipped, 1000.00000000000000000001", modified("pending", { amount: "1000.00000000000000000001" }), "processed", "processed"],
  ["pending → shipped, test customer (premium keeps them)", modified("pending", { amount: "5000", email: "vip@Test.Com" }), "skipped", "processed"],
  ["shipped → shipped (no status change)", modified("shipped", { amount: "5000" }), "processed", "filtered"],
  ["pending → cancelled", modified("pending", { status: "cancelled", amount: "5000" }), "filtered", "filtered"],
  ["new order inserted as shipped (no old image)", inserted({ status: "shipped", amount: "5000" }), "processed", "filtered"],
  ["MODIFY without an old image", record({ eventName: "MODIFY", newImage: image({ orderId: "o-1", status: "shipped", amount: "5000", email: "a@b.com" }) }), "processed", "filtered"],
  ["MODIFY without a new image", record({ eventName: "MODIFY", oldImage: image({ orderId: "o-1", status: "pending", amount: "5000", email: "a@b.com" }) }), "filtered", "filtered"],
  // Malformed items that pass a filter are rejected, never dropped; validation before the guard.
  ["amount missing", inserted({ amount: undefined }), "rejected", "filtered"],
  ["amount as a string", inserted({ amount: { S: "150" } }), "rejected", "filtered"],
  ["amount NaN", modified("pending", { amount: "NaN" }), "rejected", "rejected"],
  ["amount negative", modified("pending", { amount: "-5" }), "rejected", "rejected"],
  ["email without @ on a small order (validation before guard)", inserted({ amount: "5", email: "nobody" }), "rejected", "filtered"],
  ["email missing on a test-looking order", modified("pending", { amount: "5000", email: undefined }), "rejected", "rejected"],
  ["orderId missing", record({ eventName: "INSERT", newImage: image({ status: "pending", amount: "500", email: "a@b.com" }) }), "rejected", "filtered"],
];

describe("routes: the seed's requirement tables, record by record", () => {
  for (const [name, rec, wantNormal, wantPremium] of rows) {
    it(`${name}: normal ${wantNormal}, premium ${wantPremium}`, () => {
      assert.equal(normal.decide(rec).outcome, wantNormal, "normal");
      assert.equal(premium.decide(rec).outcome, wantPremium, "premium");
    });
  }

  it("a rejection carries its reasons; a skip its reason", () => {
    const r = normal.decide(inserted({ amount: "5", email: "nobody" }));
    assert.ok(r.outcome === "rejected" && r.reasons.some((x) => /customerEmail has no domain/.test(x)));
    const s = normal.decide(inserted({ amount: "100" }));
    assert.ok(s.outcome === "skipped" && /orderAmount 100 is not above 100/.test(s.reason));
  });

  it("premium excludes test customers when orders:premiumExcludesTestCustomers is true", () => {
    const strict = routeEvaluator(withKeys("premium", { premiumExcludesTestCustomers: true }));
    assert.equal(strict.decide(modified("pending", { amount: "5000", email: "vip@qa.test.com" })).outcome, "skipped");
  });

  it("the thresholds come from config", () => {
    const custom = routeEvaluator(withKeys("normal", { normalMinAmount: "99.5", normalStatuses: ["packed"] }));
    assert.equal(custom.decide(inserted({ status: "packed", amount: "99.6" })).outcome, "processed");
    assert.equal(custom.decide(inserted({ status: "pending", amount: "500" })).outcome, "filtered");
  });

  it("the filters test only statuses, under the dynamodb key, so malformed orders reach the processor", () => {
    for (const f of [...normal.filters, ...premium.filters]) {
      assert.ok(!/orderAmount|customerEmail|orderId/.test(f), f);
      assert.deepEqual(Object.keys(JSON.parse(f)), ["dynamodb"], f);
    }
  });
});

describe("routes: dynamodb-only filters route exactly as the filters with eventName did", () => {
  // The filters deployed before (eventName + statuses), kept here as the reference.
  const before = {
    normal: compile('{"dynamodb":{"NewImage":{"orderStatus":{"S":["pending","shipped"]}}},"eventName":["INSERT","MODIFY"]}', "pipes"),
    premium: compile('{"dynamodb":{"NewImage":{"orderStatus":{"S":["shipped"]}},"OldImage":{"orderStatus":{"S":["pending"]}}},"eventName":["MODIFY"]}', "pipes"),
  };
  // Every record of the routing table above, and 5000 realistic ones (inserts, status changes,
  // removals), in the shapes a NEW_AND_OLD_IMAGES stream produces.
  const records = [...rows.map((r) => r[1]), ...benchRecords(5000)];
  for (const [name, evaluator] of [["normal", normal], ["premium", premium]] as const) {
    it(`${name}: the same records pass the filter, and get the same outcome`, () => {
      let passed = 0;
      for (const rec of records) {
        const was = before[name].matches(rec);
        assert.equal(evaluator.passesFilter(rec), was, JSON.stringify(rec));
        if (was) passed++;
      }
      assert.ok(passed > 100, `only ${passed} records passed: the sample does not exercise the filter`);
    });
  }

  it("the event names are implied by the images (normal: a NewImage, INSERT or MODIFY; premium: both images, MODIFY)", () => {
    assert.deepEqual(routes.normal.eventNames, ["INSERT", "MODIFY"]);
    assert.deepEqual(filterPatterns(routes.normal), [{ dynamodb: { NewImage: { orderStatus: { S: ["pending", "shipped"] } } } }]);
    assert.deepEqual(routes.premium.eventNames, ["MODIFY"]);
    assert.deepEqual(filterPatterns(routes.premium), [{ dynamodb: { NewImage: { orderStatus: { S: ["shipped"] } }, OldImage: { orderStatus: { S: ["pending"] } } } }]);
  });

  it("the processor checks the event name again: an impossible INSERT with both images is skipped by premium", () => {
    const odd = { ...modified("pending", { amount: "5000" }), eventName: "INSERT" };
    const d = premium.decide(odd);
    assert.equal(d.outcome, "skipped");
    assert.ok(d.outcome === "skipped" && /eventName INSERT is not handled by the premium route \(MODIFY\)/.test(d.reason));
  });

  it("route explain says where the event-name requirement is enforced, and why", () => {
    const events = requirements(routes.premium).find((r) => r.requirement === "Events");
    assert.equal(events?.enforcedBy, "pipe filter (implied), processor guard");
    assert.equal(events?.rule, "MODIFY");
    assert.match(events?.why ?? "", /implied by the images the filter requires \(only a MODIFY has both images\); checked again by the processor/);
  });
});

describe("routes the program refuses", () => {
  const seedAmount = '{"dynamodb":{"NewImage":{"orderAmount":{"N":[{"numeric":[">",100]}]}}}}';
  const seedEmail = '{"dynamodb":{"NewImage":{"customerEmail":{"S":[{"anything-but":{"prefix":"test.com"}}]}}}}';

  it("a numeric filter on a DynamoDB number, explaining why and what to do", () => {
    assert.throws(
      () => checkRouteFilters("normal", [seedAmount]),
      /route normal: dynamodb\.NewImage\.orderAmount\.N: "numeric" never matches a DynamoDB stream record: .* JSON strings .* enforce amount thresholds in the processor guard/,
    );
  });

  it("a number literal on a DynamoDB string value", () => {
    assert.match(dynamoFilterProblems('{"dynamodb":{"NewImage":{"orderAmount":{"N":[100]}}}}')[0], /value 100 never matches .* write it as "100"/);
  });

  it("an operator a pipe does not accept", () => {
    assert.throws(() => checkRouteFilters("normal", [seedEmail]), /route normal: filter 1 of 1: dynamodb\.NewImage\.customerEmail\.S: "anything-but" with "prefix" is accepted on an event bus but not by EventBridge Pipes/);
  });

  it("numeric on a real JSON number is fine", () => {
    assert.deepEqual(dynamoFilterProblems('{"dynamodb":{"ApproximateCreationDateTime":[{"numeric":[">",0]}]}}'), []);
    assert.doesNotThrow(() => checkRouteFilters("normal", normal.filters));
  });

  it("a top-level key other than dynamodb, naming the key and the rule", () => {
    assert.throws(
      () => checkRouteFilters("premium", ['{"dynamodb":{"NewImage":{"orderStatus":{"S":["shipped"]}}},"eventName":["MODIFY"]}']),
      /route premium: top-level key "eventName": a pipe reading a DynamoDB stream filters only on the "dynamodb" key \("DynamoDB event source mappings only support filtering on the dynamodb key".*require the images instead/,
    );
    assert.match(dynamoFilterProblems({ $or: [{ dynamodb: { Keys: { orderId: { S: ["a"] } } } }, { awsRegion: ["us-east-1"] }] })[0], /top-level key "awsRegion"/);
  });

  it("dotted field names are read as the nested names they stand for", () => {
    assert.match(dynamoFilterProblems('{"dynamodb.NewImage.orderAmount.N":[{"numeric":[">",100]}]}')[0], /dynamodb\.NewImage\.orderAmount\.N: "numeric" never matches/);
    assert.match(dynamoFilterProblems('{"dynamodb":{"NewImage.orderAmount":{"N":[100]}}}')[0], /value 100 never matches/);
    assert.match(dynamoFilterProblems('{"eventName.x":["MODIFY"]}')[0], /top-level key "eventName\.x"/);
    assert.deepEqual(dynamoFilterProblems('{"dynamodb.NewImage.orderStatus.S":["shipped"]}'), []);
  });

  it("problems inside $or are found too", () => {
    assert.equal(dynamoFilterProblems({ dynamodb: { $or: [{ NewImage: { a: { N: [{ numeric: [">", 1] }] } } }, { OldImage: { a: { S: ["x"] } } }] } }).length, 1);
  });
});
