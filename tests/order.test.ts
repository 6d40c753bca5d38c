import { strict as assert } from "node:assert";
import { emailDomain, maskEmail, parseEmail, parseOrderChange } from "../routing/order";
import { image, inserted, modified, record } from "./support/records";

describe("order parsing", () => {
  it("reads a status change with exact amount, domain and previous status", () => {
    const parsed = parseOrderChange(modified("pending", { orderId: "o-9", amount: "1500.50", email: "Ann@Shop.Example.COM" }, "e-1"));
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const o = parsed.order;
    assert.equal(o.eventID, "e-1");
    assert.equal(o.eventName, "MODIFY");
    assert.equal(o.orderId, "o-9");
    assert.equal(o.orderStatus, "shipped");
    assert.equal(o.previousStatus, "pending");
    assert.equal(o.orderAmountText, "1500.50");
    assert.equal(o.orderAmount.toString(), "1500.5");
    assert.equal(o.customerDomain, "shop.example.com");
    assert.match(o.sequenceNumber, /^\d+$/);
  });

  it("keeps 38 significant digits exactly", () => {
    const parsed = parseOrderChange(inserted({ amount: "100.00000000000000000000000000000000001" }));
    assert.ok(parsed.ok);
    assert.equal(parsed.order.orderAmount.toFixed(35), "100.00000000000000000000000000000000001");
  });

  // Malformed records: each must be rejected with a reason naming the field.
  const malformed: [name: string, rec: unknown, reason: RegExp][] = [
    ["not an object", "hello", /not a JSON object/],
    ["an array", [], /not a JSON object/],
    ["no dynamodb", { eventID: "x", eventName: "INSERT" }, /dynamodb is missing/],
    ["no eventID", { ...inserted({}), eventID: undefined }, /eventID is missing/],
    ["numeric eventID", { ...inserted({}), eventID: 7 }, /eventID is a number, expected a string/],
    ["null eventID", { ...inserted({}), eventID: null }, /eventID is null, expected a string/],
    ["empty eventID", { ...inserted({}), eventID: "" }, /eventID is empty/],
    ["unknown eventName", { ...inserted({}), eventName: "UPSERT" }, /eventName "UPSERT"/],
    ["REMOVE without NewImage", record({ eventName: "REMOVE", oldImage: image({ orderId: "o-1", status: "pending" }) }), /NewImage is missing/],
    ["missing amount", inserted({ amount: undefined }) , /orderAmount is missing/],
    ["string-typed amount", inserted({ amount: { S: "150" } }), /orderAmount is a string \(S\), expected a number \(N\)/],
    ["NaN amount", inserted({ amount: "NaN" }), /orderAmount "NaN" is not a finite decimal/],
    ["negative amount", inserted({ amount: "-5" }), /orderAmount -5 is negative/],
    ["too many digits", inserted({ amount: "1234567890123456789012345678901234567890" }), /more than 38 significant digits/],
    ["missing orderId", record({ eventName: "INSERT", newImage: image({ status: "pending", amount: "200", email: "a@b.com" }) }), /orderId is missing/],
    ["numeric orderId", record({ eventName: "INSERT", newImage: { ...image({ status: "pending", amount: "200", email: "a@b.com" }), orderId: { N: "7" } } }), /orderId is a number \(N\), expected a string/],
    ["email without @", inserted({ email: "ann.example.com" }), /customerEmail has no domain/],
    ["email ending with @", inserted({ email: "ann@" }), /customerEmail has no domain/],
    ["email ending with @ and a space", inserted({ email: "ann@ " }), /customerEmail has no domain/],
    ["email ending with @ and a tab", inserted({ email: "ann@\t" }), /customerEmail has no domain/],
    ["email with a space inside the domain", inserted({ email: "qa@ test.com" }), /customerEmail has no domain/],
    ["amount beyond DynamoDB's largest number", inserted({ amount: "1e400" }), /orderAmount 1e400 is outside what DynamoDB stores/],
    ["amount of 1E+126", inserted({ amount: "1E+126" }), /orderAmount 1E\+126 is outside what DynamoDB stores/],
    ["amount below DynamoDB's smallest positive number", inserted({ amount: "1E-131" }), /orderAmount 1E-131 is outside what DynamoDB stores/],
    ["email as a number", inserted({ email: { N: "5" } }), /customerEmail is a number \(N\), expected a string \(S\)/],
    ["an image nested deeper than DynamoDB allows", inserted({ email: { M: { a: JSON.parse(`${'{"M":{"a":'.repeat(5000)}{"S":"x"}${"}}".repeat(5000)}`) } } }), /NewImage nests attributes deeper than DynamoDB's 32 levels/],
    ["bad attribute value", record({ eventName: "INSERT", newImage: { orderId: { Q: "x" } } as never }), /NewImage is not a valid DynamoDB item/],
  ];
  for (const [name, rec, reason] of malformed) {
    it(`rejects ${name}`, () => {
      const parsed = parseOrderChange(rec);
      assert.equal(parsed.ok, false);
      if (!parsed.ok) assert.ok(parsed.reasons.some((r) => reason.test(r)), parsed.reasons.join("; "));
    });
  }

  // The extremes DynamoDB stores are amounts like any other (HowItWorks.NamingRulesDataTypes).
  for (const amount of ["9.9999999999999999999999999999999999999E+125", "1E-130", "0"]) {
    it(`accepts the DynamoDB number ${amount}`, () => {
      const parsed = parseOrderChange(inserted({ amount }));
      assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.ok(Number.isFinite(Number(parsed.order.orderAmountText)));
    });
  }

  it("accepts attributes nested as deep as DynamoDB allows (32 levels), not deeper", () => {
    const nested = (levels: number): unknown => (levels === 1 ? { S: "x" } : { M: { a: nested(levels - 1) } });
    const withDeep = (levels: number) => {
      const rec = inserted({}) as { dynamodb: { NewImage: Record<string, unknown> } };
      rec.dynamodb.NewImage.deep = nested(levels);
      return rec;
    };
    assert.equal(parseOrderChange(withDeep(32)).ok, true);
    assert.equal(parseOrderChange(withDeep(33)).ok, false);
  });

  it("reports every problem of a record, not just the first", () => {
    const parsed = parseOrderChange(inserted({ amount: "-1", email: "nobody" }));
    assert.ok(!parsed.ok);
    assert.equal(parsed.reasons.length, 2, parsed.reasons.join("; "));
  });

  it("takes the domain after the last @, lower-cased", () => {
    assert.equal(emailDomain('"a@b"@QA.Test.COM'), "qa.test.com");
    assert.equal(emailDomain("a@test.com."), "test.com");
    assert.equal(emailDomain("@test.com"), undefined);
  });

  it("decides the domain on the trimmed address", () => {
    // [address, domain] — by hand; undefined means malformed.
    const cases: [string, string | undefined][] = [
      ["qa@test.com ", "test.com"],
      ["qa@test.com\t", "test.com"],
      [" qa@test.com", "test.com"],
      ["\tQA@Test.COM \n", "test.com"],
      ["ann@ ", undefined],
      ["ann@\t", undefined],
      [" @test.com", undefined],
      ["qa@ test.com", undefined],
      ["qa@test .com", undefined],
    ];
    for (const [address, domain] of cases) assert.equal(emailDomain(address), domain, JSON.stringify(address));
  });

  it("decides the domain on the normalized address: invisible and look-alike characters do not hide a test customer (issue 18)", () => {
    // [address, domain] — by hand. Invisible characters (Unicode default-ignorable: zero-width
    // space, word joiner, BOM, soft hyphen) are dropped, as IDNA drops them from a domain;
    // full-width letters and dots are read as the ASCII ones (NFKC).
    const cases: [string, string][] = [
      ["qa@test.com\u200B", "test.com"],
      ["qa@test.com\u2060", "test.com"],
      ["\uFEFFqa@test.com", "test.com"],
      ["qa@te\u00ADst.com", "test.com"],
      ["qa@te\u200Bst.com", "test.com"],
      ["qa@ｔｅｓｔ.com", "test.com"],
      ["qa@test\uFF0Ecom", "test.com"],
      ["qa@test\u3002com", "test.com"],
      ["qa\uFF20test.com", "test.com"],
      ["qa@test.com\u00A0", "test.com"],
      ["ann@bücher.de", "bücher.de"],
      ["ann@xn--bcher-kva.de", "xn--bcher-kva.de"],
      ["o'brien+orders@mail.example.co.uk", "mail.example.co.uk"],
      ["ann.@example.com", "example.com"], // not RFC 5322's dot-atom, but accepted by many mail systems: a real customer
    ];
    for (const [address, domain] of cases) assert.equal(emailDomain(address), domain, JSON.stringify(address));
  });

  it("rejects what is not an address, with a reason (issue 18: stray characters around the address)", () => {
    const notAddresses = [
      "Bob <qa@test.com>",
      "<qa@test.com>",
      "qa@test.com;",
      "qa@test.com>",
      "qa@test.com,",
      "qa@test.com, ann@example.com",
      "qa@test.com (QA)",
      "mailto:qa@test.com?subject=x",
      "qa@test..com",
      "qa@.test.com",
      "qa@-test.com",
      "qa@test-.com",
      "qa@test_com.com",
      "qa@test.com\u0000",
      "q a@test.com",
      "qa@test.com@",
      `qa@${"a".repeat(64)}.com`,
    ];
    for (const address of notAddresses) {
      assert.equal(emailDomain(address), undefined, JSON.stringify(address));
      const parsed = parseOrderChange(inserted({ email: address }));
      assert.ok(!parsed.ok, JSON.stringify(address));
      assert.ok(parsed.reasons.some((r) => /^NewImage\.customerEmail (has no domain|is not an e-mail address)/.test(r)), parsed.reasons.join("; "));
    }
    const parsed = parseOrderChange(inserted({ email: "Bob <qa@test.com>" }));
    assert.ok(!parsed.ok);
    // The reason never holds the address: reasons are logged, and logs mask addresses.
    assert.deepEqual(parsed.reasons, ["NewImage.customerEmail is not an e-mail address (expected name@domain, nothing around it)"]);
  });

  it("keeps the normalized address on the order", () => {
    const parsed = parseOrderChange(inserted({ email: "ann@example.com\u200B" }));
    assert.ok(parsed.ok);
    assert.equal(parsed.order.customerEmail, "ann@example.com");
  });

  it("keeps the trimmed address on the order", () => {
    const parsed = parseOrderChange(inserted({ email: " ann@example.com\t" }));
    assert.ok(parsed.ok);
    assert.equal(parsed.order.customerEmail, "ann@example.com");
  });

  it("decides a plain ASCII address without normalizing it exactly as the full path does", () => {
    // The shortcut (PLAIN_ADDRESS) against the full path on every hand-made case above and on
    // random addresses around its limits: 64-character names, 63-character labels, 253-character
    // domains, hyphens and dots at the edges, upper case, and characters it leaves to the full path.
    const hand = ["qa@test.com", "Ann@Shop.Example.COM", "a@b", "a@test.com.", "ann.@example.com", "o'brien+orders@mail.example.co.uk", "qa@test..com", "qa@-test.com", "qa@test-.com", "qa@test_com.com", "q a@test.com", "@test.com", "ann@", "x%y@1.2.3.4"];
    let seed = 7;
    const random = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const pick = (chars: string, n: number) => Array.from({ length: n }, () => chars[random(chars.length)]).join("");
    const label = () => pick("aZ09-", [1, 2, 62, 63, 64][random(5)]);
    const generated = Array.from({ length: 3000 }, () => {
      const name = pick(random(2) ? "aZ9._%+-" : "aZ9._%+-'!#", [1, 5, 63, 64, 65][random(5)]);
      // Either a few labels, or a domain of 252 to 255 characters (three 63-character labels and one more).
      const labels = random(3) ? Array.from({ length: 1 + random(5) }, label) : [pick("aZ9", 63), pick("aZ9", 63), pick("aZ9", 63), pick("aZ9", 60 + random(4))];
      const domain = labels.join(".") + ["", ".", "-", "_x", " "][random(12) % 5];
      return `${name}@${domain}`;
    });
    let plain = 0;
    for (const address of [...hand, ...generated]) {
      const fast = parseEmail(address);
      assert.deepEqual(fast, parseEmail(address, { normalizeAlways: true }), JSON.stringify(address));
      if (fast.ok) plain++;
    }
    assert.ok(plain > 100 && plain < 2900, `both outcomes are exercised (${plain} addresses)`);
  });

  it("masks addresses for logs", () => {
    assert.equal(maskEmail("ann.lee@example.com"), "a***@example.com");
    assert.equal(maskEmail("nobody"), "***");
    assert.ok(!maskEmail("ann.lee@example.com").includes("ann.lee"));
  });
});

describe("order parsing reads only the attributes it needs, and decides as unmarshalling the whole images does", () => {
  // The fast path (a structural walk, then four attributes) must agree with the library's
  // unmarshall of every attribute on every record: well-formed ones, and images with each kind
  // of malformed attribute value the walk hands back to the full path.
  const base = (extra: Record<string, unknown>) => ({
    eventID: "e-1",
    eventName: "MODIFY",
    dynamodb: {
      Keys: { orderId: { S: "o-1" } },
      NewImage: { orderId: { S: "o-1" }, orderStatus: { S: "shipped" }, orderAmount: { N: "250" }, customerEmail: { S: "ann@example.com" }, ...extra },
      OldImage: { orderId: { S: "o-1" }, orderStatus: { S: "pending" }, ...extra },
      SequenceNumber: "1",
    },
  });
  const deep = (n: number): unknown => (n === 0 ? { S: "x" } : { M: { a: deep(n - 1) } });
  const extras: [string, unknown][] = [
    ["nothing more", undefined],
    ["line items", { L: [{ M: { sku: { S: "a" }, qty: { N: "2" } } }, { M: { tags: { SS: ["x"] }, n: { NULL: true } } }] }],
    ["a set of numbers", { NS: ["1", "2.5"] }],
    ["binary", { B: "AAEC" }],
    ["an unknown type", { Q: "x" }],
    ["two types in one value", { S: "x", N: "1" }],
    ["an empty value", {}],
    ["an undefined type value", { S: undefined }],
    ["a list that is not an array", { L: { a: 1 } }],
    ["a map that is an array", { M: [1] }],
    ["a map that is a string", { M: "ab" }],
    ["a map that is null", { M: null }],
    ["a set that is not an array", { SS: "x" }],
    ["a bare string", "x"],
    ["an array", [{ S: "x" }]],
    ["null", null],
    ["31 levels", deep(30)],
    ["32 levels", deep(31)],
    ["33 levels", deep(32)],
    ["a __proto__ attribute", JSON.parse('{"__proto__": {"S": "x"}}')],
  ];
  for (const [what, extra] of extras) {
    it(`${what}: the same decision and reasons`, () => {
      const record = base(extra === undefined ? {} : { extra });
      assert.deepEqual(parseOrderChange(record), parseOrderChange(record, { wholeImages: true }));
    });
  }
  // Each attribute the order reads, as each kind of value: the fast path converts strings and
  // numbers itself and leaves every other type to the library.
  const asValues: [string, unknown][] = [
    ["a string", { S: "250" }],
    ["a number", { N: "250" }],
    ["a string that is a number", { S: 250 }],
    ["a number that is not a string", { N: 250 }],
    ["a boolean", { BOOL: true }],
    ["null", { NULL: true }],
    ["a list", { L: [{ S: "x" }] }],
    ["a map", { M: { S: { S: "x" } } }],
    ["a set of strings", { SS: ["a"] }],
    ["binary", { B: "AAEC" }],
  ];
  for (const field of ["orderId", "orderStatus", "orderAmount", "customerEmail"]) {
    it(`${field} as each type: the same decision and reasons`, () => {
      for (const [what, value] of asValues) {
        const record = base({});
        record.dynamodb.NewImage = { ...record.dynamodb.NewImage, [field]: value } as typeof record.dynamodb.NewImage;
        if (field === "orderStatus") record.dynamodb.OldImage = { ...record.dynamodb.OldImage, orderStatus: value } as typeof record.dynamodb.OldImage;
        assert.deepEqual(parseOrderChange(record), parseOrderChange(record, { wholeImages: true }), `${field} as ${what}`);
      }
    });
  }
});
