import { strict as assert } from "node:assert";
import { inspect } from "node:util";
import { namespaceSlip, settingsFromConfig } from "../config/namespaces";
import { UnreadSecret } from "../config/secrets";
import { ConfigError, parseSettings } from "../config/settings";
import { loadStackFileSettings } from "../config/stackFile";

/** A key's value in parsed settings: a stack-wide key, or a route's own key (routeValues). */
function valueOf(s: ReturnType<typeof parseSettings>, key: string): unknown {
  return key in s.routeValues ? s.routeValues[key] : (s as unknown as Record<string, unknown>)[key];
}

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseSettings(raw, "Pulumi.test.yaml");
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return [...err.problems];
  }
  return [];
}

describe("stack settings", () => {
  it("the dev stack keeps the seed's values", () => {
    const dev = loadStackFileSettings("dev");
    assert.equal(valueOf(dev, "normalMinAmount"), "100");
    assert.equal(valueOf(dev, "premiumMinAmount"), "1000");
    assert.deepEqual(valueOf(dev, "normalStatuses"), ["pending", "shipped"]);
    assert.deepEqual(dev.testEmailDomains, ["test.com"]);
    assert.equal(dev.maxRetryAttempts, 5);
    assert.equal(dev.deletionProtection, false);
  });

  it("the prod stack differs where production should", () => {
    const dev = loadStackFileSettings("dev");
    const prod = loadStackFileSettings("prod");
    assert.equal(prod.deletionProtection, true);
    assert.ok(prod.logRetentionDays > dev.logRetentionDays, "prod keeps logs longer");
    assert.ok(prod.maxRecordAgeSeconds >= dev.maxRecordAgeSeconds);
    // Routing is the same in both: what is tested in dev is what runs in prod.
    for (const key of ["normalMinAmount", "premiumMinAmount", "normalStatuses", "testEmailDomains", "maxRetryAttempts"] as const) {
      assert.deepEqual(valueOf(prod, key), valueOf(dev, key), key);
    }
  });

  it("fills defaults for keys left out", () => {
    const s = parseSettings({}, "Pulumi.test.yaml");
    assert.equal(s.maxRetryAttempts, 5);
    assert.equal(s.lambdaArchitecture, "arm64");
    assert.equal(s.alarmEmail, undefined);
    assert.equal(valueOf(s, "premiumExcludesTestCustomers"), false);
    assert.equal(valueOf(s, "normalMinAmount"), "100", "a route key takes its default from routing/routes.ts");
  });

  it("accepts values as Pulumi passes them (strings, JSON lists)", () => {
    const s = parseSettings(
      { maxRetryAttempts: "7", normalStatuses: '["pending","packed"]', deletionProtection: "true", normalMinAmount: "99.95" },
      "Pulumi.test.yaml",
    );
    assert.equal(s.maxRetryAttempts, 7);
    assert.deepEqual(valueOf(s, "normalStatuses"), ["pending", "packed"]);
    assert.equal(s.deletionProtection, true);
    assert.equal(valueOf(s, "normalMinAmount"), "99.95");
  });

  // One row per rule; the expected text is what a user must see to fix it.
  const invalid: [key: string, value: unknown, mustSay: RegExp][] = [
    ["maxRetryAttempts", 20000, /orders:maxRetryAttempts is 20000 in Pulumi\.test\.yaml; .*-1 \(retry forever\) or 0 to 10000.*1 to 10000/],
    ["maxRetryAttempts", -1, /orders:maxRetryAttempts is -1 .*bounded number from 1 to 10000/],
    ["maxRetryAttempts", 0, /orders:maxRetryAttempts is 0 .*not applied/],
    ["maxRetryAttempts", "five", /orders:maxRetryAttempts is five .*whole number/],
    ["maxRetryAttempts", 2.5, /orders:maxRetryAttempts is 2\.5 .*whole number/],
    ["maxRecordAgeSeconds", 30, /orders:maxRecordAgeSeconds is 30 .*60 to 604800/],
    ["maxRecordAgeSeconds", -1, /orders:maxRecordAgeSeconds is -1 .*bounded age/],
    ["maxRecordAgeSeconds", 604801, /orders:maxRecordAgeSeconds is 604801/],
    // The stream keeps records 24 h: an age that leaves less than 1 h to read a pointer back is refused.
    ["maxRecordAgeSeconds", 86400, /orders:maxRecordAgeSeconds is 86400 .*DynamoDB stream, which keeps records 24 h .*leaves no time to read it back .*at most 82800/],
    ["maxRecordAgeSeconds", 83000, /orders:maxRecordAgeSeconds is 83000 .*leaves only 3400 s to read it back/],
    ["maxRecordAgeSeconds", 604800, /orders:maxRecordAgeSeconds is 604800 .*leaves no time/],
    ["batchSize", 0, /orders:batchSize is 0 .*1 to 10000/],
    ["batchSize", 10001, /orders:batchSize is 10001 .*1 to 10000/],
    ["batchingWindowSeconds", 301, /orders:batchingWindowSeconds is 301 .*0 to 300/],
    ["batchingWindowSeconds", -1, /orders:batchingWindowSeconds is -1 .*0 to 300/],
    ["startingPosition", "AT_TIMESTAMP", /orders:startingPosition is AT_TIMESTAMP .*TRIM_HORIZON, LATEST/],
    ["logRetentionDays", 10, /orders:logRetentionDays is 10 .*one of 1, 3, 5, 7, 14/],
    ["deletionProtection", "yes", /orders:deletionProtection is yes .*true or false/],
    ["lambdaArchitecture", "x86", /orders:lambdaArchitecture is x86 .*arm64, x86_64/],
    ["lambdaMemoryMb", 64, /orders:lambdaMemoryMb is 64 .*128 to 10240/],
    ["lambdaMemoryMb", 20000, /orders:lambdaMemoryMb is 20000 .*128 to 10240/],
    ["ordersInFlight", 0, /orders:ordersInFlight is 0 .*1 to 100 of a batch's orders at once/],
    ["ordersInFlight", 500, /orders:ordersInFlight is 500 .*1 to 100/],
    ["normalMinAmount", "-1", /orders:normalMinAmount is -1 .*0 or more/],
    ["normalMinAmount", "abc", /orders:normalMinAmount is abc .*decimal number/],
    ["premiumMinAmount", "NaN", /orders:premiumMinAmount is NaN .*decimal number/],
    // A threshold is compared with order amounts, which are DynamoDB numbers (routing/dynamoNumber.ts):
    // above the largest one, no order can ever pass.
    ["premiumMinAmount", "1e400", /orders:premiumMinAmount is 1e400 .*DynamoDB's number range, 1E-130 to 9\.9999999999999999999999999999999999999E\+125: no order amount can be above it, so the route would never process an order/],
    ["normalMinAmount", "1E+200", /orders:normalMinAmount is 1E\+200 .*DynamoDB's number range.*never process an order/],
    ["normalMinAmount", "1E+126", /orders:normalMinAmount is 1E\+126 .*DynamoDB's number range/],
    ["normalMinAmount", "1e-131", /orders:normalMinAmount is 1e-131 .*DynamoDB's number range, 1E-130 to/],
    ["normalMinAmount", `1${"0".repeat(38)}.5`, /orders:normalMinAmount is 1000+\.5 .*has 40 significant digits; .*at most 38/],
    ["normalStatuses", [], /orders:normalStatuses is \[\] .*non-empty list/],
    ["normalStatuses", "pending", /orders:normalStatuses is pending .*list of order statuses/],
    ["normalStatuses", ["pending", "pending"], /orders:normalStatuses .*lists "pending" twice/],
    ["normalStatuses", ["pending", 5], /orders:normalStatuses .*entry 5 is not a string/],
    ["testEmailDomains", ["Test.com"], /orders:testEmailDomains .*"Test\.com" is not a lower-case domain/],
    ["testEmailDomains", ["@test.com"], /orders:testEmailDomains .*"@test\.com" is not a lower-case domain/],
    ["premiumExcludesTestCustomers", "maybe", /orders:premiumExcludesTestCustomers is maybe .*true or false/],
    ["alarmEmail", "oncall", /orders:alarmEmail is oncall .*e-mail address/],
  ];
  for (const [key, value, mustSay] of invalid) {
    it(`rejects ${key} = ${JSON.stringify(value)}`, () => {
      const problems = problemsOf({ [key]: value });
      assert.equal(problems.length, 1, problems.join("\n"));
      assert.match(problems[0], mustSay);
    });
  }

  it("accepts the largest and smallest thresholds DynamoDB can store, and 0", () => {
    for (const amount of ["9.9999999999999999999999999999999999999E+125", "1E-130", "0", "100.00000000000000000001"]) {
      assert.equal(parseSettings({ premiumMinAmount: amount }, "Pulumi.test.yaml").routeValues.premiumMinAmount, amount);
    }
  });

  it("cuts a long value short in its message instead of echoing it whole", () => {
    const long = "9".repeat(200000);
    const [problem] = problemsOf({ normalMinAmount: `x${long}`, [`k${long}`]: 1 }).filter((p) => p.startsWith("orders:normalMinAmount is"));
    assert.ok(problem.length < 400, `${problem.length} characters`);
    assert.match(problem, /^orders:normalMinAmount is x9{59}… \(200,001 characters\) in Pulumi\.test\.yaml; must be a decimal number/);
    const all = problemsOf({ [`k${long}`]: 1 });
    assert.ok(all[0].length < 600, `an unknown key of ${all[0].length} characters`);
    const [entry] = problemsOf({ testEmailDomains: [`A${long}`] });
    assert.ok(entry.length < 400, `a list entry: ${entry.length} characters`);
  });

  it('refuses "constructor", "toString" and "__proto__" as keys: no inherited name passes for a setting', () => {
    for (const key of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      const raw = Object.create(null);
      raw[key] = "5";
      const problems = problemsOf(raw);
      assert.equal(problems.length, 1, `${key}: ${problems.join("\n")}`);
      assert.match(problems[0], new RegExp(`^orders:${key} in Pulumi\\.test\\.yaml is not a setting of this program`));
    }
    // Through the config map Pulumi passes, where a plain object would take "__proto__" as its prototype.
    assert.throws(() => settingsFromConfig({ "orders:__proto__": '{"batchSize": 0}' }, "Pulumi.test.yaml"), /orders:__proto__ in Pulumi\.test\.yaml is not a setting/);
  });

  it("lists each problem once, also where util.inspect shows the error (as Pulumi prints what a program throws)", () => {
    let caught: unknown;
    try {
      settingsFromConfig({ "order:batchSize": "3", "orders:batchSize": "0" }, "Pulumi.test.yaml");
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof ConfigError);
    assert.equal(caught.problems.length, 2, caught.problems.join("\n"));
    const printed = inspect(caught);
    for (const problem of caught.problems) assert.equal(printed.split(problem).length - 1, 1, `printed once: ${problem}\n${printed}`);
    // A namespace slip alone was listed twice before.
    assert.throws(
      () => settingsFromConfig({ "order:batchSize": "3" }, "Pulumi.test.yaml"),
      (err: ConfigError) => err.problems.length === 1 && err.message.split("order:batchSize in").length === 2,
    );
  });

  describe("secrets a tool cannot decrypt (`secure:` values)", () => {
    it("are set, secret: nothing fails until a command reads one, and then it says how to supply it", () => {
      const s = parseSettings({ premiumMinAmount: new UnreadSecret("orders:premiumMinAmount"), batchSize: "25" }, "Pulumi.test.yaml");
      assert.equal(s.batchSize, 25);
      assert.throws(
        () => s.routeValues.premiumMinAmount,
        (err: Error) =>
          err instanceof ConfigError &&
          /^orders:premiumMinAmount is a secret in Pulumi\.test\.yaml \(an encrypted "secure:" value\) that this command cannot decrypt, and it needs the value: give it with --config orders:premiumMinAmount=VALUE, or run the command where the Pulumi CLI can read the stack/.test(err.problems[0]),
      );
    });

    it("an alarm address is only handed to AWS: the program gets Pulumi's [secret] and declares the same subscription", () => {
      assert.equal(parseSettings({ alarmEmail: new UnreadSecret("orders:alarmEmail") }, "Pulumi.test.yaml").alarmEmail, "[secret]");
    });

    it("are recognised in the config map, also inside a list", () => {
      const s = settingsFromConfig({ "orders:alarmEmail": '{"secure":"v1:abc"}', "orders:normalStatuses": '["pending",{"secure":"v1:x"}]' }, "Pulumi.test.yaml");
      assert.equal(s.alarmEmail, "[secret]");
      assert.throws(() => s.routeValues.normalStatuses, /orders:normalStatuses is a secret/);
    });
  });

  describe("namespaces: other providers' keys pass, a slip for this program's is refused", () => {
    // [namespace, meant]: by hand.
    const cases: [string, string | undefined][] = [
      ["orders", undefined],
      ["aws", undefined],
      ["pulumi", undefined],
      ["datadog", undefined],
      ["kubernetes", undefined],
      ["network", undefined],
      ["border", undefined],
      ["ordering", undefined],
      ["orders-service", undefined],
      ["order", "orders"],
      ["ordersx", "orders"],
      ["Orders", "orders"],
      ["ORDERS", "orders"],
      ["orders-pipeline", "orders"],
      ["Orders_Pipeline", "orders"],
      ["AWS", "aws"],
      ["Pulumi", "pulumi"],
    ];
    for (const [namespace, meant] of cases) {
      it(`${namespace}: ${meant ? `did you mean ${meant}?` : "passes"}`, () => assert.equal(namespaceSlip(namespace), meant));
    }
  });

  it("accepts a record age that leaves exactly 1 h of the stream's 24 h", () => {
    assert.equal(parseSettings({ maxRecordAgeSeconds: 82800 }, "Pulumi.test.yaml").maxRecordAgeSeconds, 82800);
  });

  it("prod ages records out after at most 12 h, leaving at least 12 h to read a pointer back", () => {
    const prod = loadStackFileSettings("prod");
    assert.ok(prod.maxRecordAgeSeconds <= 43200, `prod maxRecordAgeSeconds is ${prod.maxRecordAgeSeconds}`);
  });

  describe("the batching window must be below the record age (AWS refuses the pipe otherwise)", () => {
    // [window, age, refused] — by hand: AWS wants window < age.
    const cases: [window: number, age: number, refused: boolean][] = [
      [60, 60, true],
      [300, 120, true],
      [59, 60, false],
      [0, 60, false],
      [1, 3600, false],
    ];
    for (const [window, age, refused] of cases) {
      it(`window ${window} s, age ${age} s → ${refused ? "refused, naming both keys" : "accepted"}`, () => {
        const problems = problemsOf({ batchingWindowSeconds: window, maxRecordAgeSeconds: age });
        if (!refused) return assert.deepEqual(problems, []);
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], new RegExp(`orders:batchingWindowSeconds \\(${window}\\) must be less than orders:maxRecordAgeSeconds \\(${age}\\) in Pulumi\\.test\\.yaml`));
      });
    }

    it("joins the per-key problems, and is not repeated for a key that failed its own check", () => {
      const problems = problemsOf({ batchingWindowSeconds: 60, maxRecordAgeSeconds: 60, batchSize: 0 });
      assert.equal(problems.length, 2, problems.join("\n"));
      assert.deepEqual(problemsOf({ batchingWindowSeconds: 301, maxRecordAgeSeconds: 60 }).length, 1);
    });
  });

  it("reports every bad key at once, and unknown keys with a suggestion", () => {
    const problems = problemsOf({ batchSize: 0, lambdaMemoryMb: 1, maxretryattempts: 3, colour: "red" });
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.ok(problems.some((p) => /orders:maxretryattempts .*did you mean orders:maxRetryAttempts\?/.test(p)));
    assert.ok(problems.some((p) => /orders:colour .*not a setting/.test(p)));
  });
});
