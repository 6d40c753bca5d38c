import { strict as assert } from "node:assert";
import { inserted } from "./support/records";
import { sh } from "./support/spawn";

// Issue 18: a test customer whose address carries an invisible or stray character went through
// the guard as a real customer. Through the command as the README spells it: `route --jsonl`
// applies the deployed routes (pipe filter, validation, guard) to each record.

describe("the guard on hostile addresses (route --jsonl, as a process)", function () {
  this.timeout(60000);

  it("never processes a test customer's order: invisible characters are normalized away (skipped), stray ones make the record malformed (rejected)", async () => {
    // [address, the normal route's outcome], by hand. 250 > 100, status pending: only the address decides.
    const cases: [string, string][] = [
      ["qa@test.com\u200B", "skipped"], // zero-width space
      ["qa@test.com\u2060", "skipped"], // word joiner
      ["qa@ｔｅｓｔ.com", "skipped"], // full-width letters
      ["Bob <qa@test.com>", "rejected"],
      ["qa@test.com;", "rejected"],
      ["qa@test.com>", "rejected"],
      ["ann@example.com\u200B", "processed"],
    ];
    const input = cases.map(([email], i) => JSON.stringify(inserted({ orderId: `o-${i}`, email }, `e-${i}`))).join("\n");
    const r = await sh("node cli/bin.js route --stack dev --jsonl", { stdin: `${input}\n` });
    assert.equal(r.code, 0, r.stderr);
    const answers = r.stdout.trim().split("\n").map((line) => JSON.parse(line) as { eventID: string; routes: { normal: string }; reasons?: unknown });
    assert.equal(answers.length, cases.length);
    cases.forEach(([email, outcome], i) => assert.equal(answers[i].routes.normal, outcome, `${JSON.stringify(email)}: ${JSON.stringify(answers[i])}`));
  });
});
