import * as fs from "node:fs";
import * as path from "node:path";
import { NumberValueImpl } from "@aws-sdk/util-dynamodb";
import { parse as parseYaml } from "yaml";
import { projectPath } from "../config/paths";
import { attributeProblems, keyProblems } from "./itemLimits";

// A scenario is a story of writes to the Orders table, with optional injected processor
// failures and the outcome the author expects per route. JSON or YAML:
//
//   name: my story
//   faults: { o-7: 2 }          # the business step fails twice for order o-7 (-1: always)
//   steps:
//     - put: { orderId: o-7, orderStatus: pending, orderAmount: 250, customerEmail: a@example.com }
//     - update: { orderId: o-7, set: { orderStatus: shipped } }
//     - delete: { orderId: o-7 }
//     - wait: 200               # milliseconds
//   expect:                      # optional; checked after the pipes settle
//     normal: { processed: 2, skipped: 0, rejected: 0, filtered: 1, deadLettered: 0 }
//
// An `expect` key is a route (or the pipe of exactly one route, as files written before routes
// could share a pipe do); `retried` counts the re-deliveries of the route's pipe.
//
// Values are plain JSON/YAML; numbers become DynamoDB numbers. To write a number exactly as
// text (38 digits), use {"$number": "100.00000000000000000001"}. Values DynamoDB would refuse
// (.nan, .inf, numbers out of its range, items over 400 KB, ...) are refused when the file is
// read, naming the step and the attribute (itemLimits.ts).

export type Step =
  | { readonly put: Record<string, unknown> }
  | { readonly update: { readonly orderId: string; readonly set: Record<string, unknown> } }
  | { readonly delete: { readonly orderId: string } }
  | { readonly wait: number };

export const OUTCOME_KEYS = ["filtered", "skipped", "processed", "rejected", "deadLettered", "retried"] as const;
export type OutcomeKey = (typeof OUTCOME_KEYS)[number];

export interface Scenario {
  /** The file it was read from (for messages). */
  readonly source: string;
  readonly name: string;
  readonly description?: string;
  readonly faults: Readonly<Record<string, number>>;
  readonly steps: readonly Step[];
  readonly expect?: Readonly<Record<string, Partial<Record<OutcomeKey, number>>>>;
}

export const DEMO_SCENARIO = projectPath("local", "scenarios", "demo.yaml");

function fail(source: string, where: string, what: string): never {
  throw new Error(`${source}: ${where}: ${what}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates a parsed scenario; every message names the file and the step. */
export function parseScenario(doc: unknown, source: string): Scenario {
  if (!isPlainObject(doc)) fail(source, "top level", "expected a mapping with name and steps");
  const steps = doc.steps;
  if (!Array.isArray(steps) || steps.length === 0) fail(source, "steps", "expected a non-empty list of put/update/delete/wait steps");
  const out: Step[] = steps.map((step, i): Step => {
    const where = `steps[${i}]`;
    if (!isPlainObject(step) || Object.keys(step).length !== 1) fail(source, where, "each step has exactly one of put, update, delete, wait");
    const [kind, body] = Object.entries(step)[0];
    const check = (orderId: string, problems: string[]) => {
      if (problems.length > 0) fail(source, `${where} (${kind} ${orderId})`, problems.join("; "));
    };
    switch (kind) {
      case "put":
        if (!isPlainObject(body) || typeof body.orderId !== "string" || body.orderId === "") fail(source, where, "put needs an item with a string orderId");
        check(body.orderId, [...keyProblems(body.orderId), ...attributeProblems(body, true)]);
        return { put: body };
      case "update":
        if (!isPlainObject(body) || typeof body.orderId !== "string" || !isPlainObject(body.set) || Object.keys(body.set).length === 0) {
          fail(source, where, "update needs orderId and a non-empty set: { attribute: value }");
        }
        if ("orderId" in body.set) fail(source, where, "update cannot change the key orderId");
        check(body.orderId, [...keyProblems(body.orderId), ...attributeProblems(body.set, false)]);
        return { update: { orderId: body.orderId, set: body.set } };
      case "delete":
        if (!isPlainObject(body) || typeof body.orderId !== "string") fail(source, where, "delete needs orderId");
        check(body.orderId, keyProblems(body.orderId));
        return { delete: { orderId: body.orderId } };
      case "wait":
        if (typeof body !== "number" || body < 0 || body > 60000) fail(source, where, "wait takes milliseconds from 0 to 60000");
        return { wait: body };
      default:
        fail(source, where, `unknown step ${JSON.stringify(kind)}; expected put, update, delete or wait`);
    }
  });
  // Null prototype: any order id is a plain key, "__proto__" included (on a {} its assignment
  // would set the prototype and the fault would be silently dropped).
  const faults: Record<string, number> = Object.create(null);
  if (doc.faults !== undefined) {
    if (!isPlainObject(doc.faults)) fail(source, "faults", "expected { orderId: times } (times -1: always)");
    for (const [orderId, times] of Object.entries(doc.faults)) {
      if (!Number.isInteger(times) || (times as number) < -1) fail(source, `faults.${orderId}`, "must be a whole number of failures, or -1 for always");
      faults[orderId] = times as number;
    }
  }
  let expect: Scenario["expect"];
  if (doc.expect !== undefined) {
    if (!isPlainObject(doc.expect)) fail(source, "expect", "expected { route: { outcome: count } }");
    for (const [pipe, counts] of Object.entries(doc.expect)) {
      if (!isPlainObject(counts)) fail(source, `expect.${pipe}`, "expected { outcome: count }");
      for (const [k, v] of Object.entries(counts)) {
        if (!(OUTCOME_KEYS as readonly string[]).includes(k)) fail(source, `expect.${pipe}.${k}`, `unknown outcome; expected ${OUTCOME_KEYS.join(", ")}`);
        if (!Number.isInteger(v) || (v as number) < 0) fail(source, `expect.${pipe}.${k}`, "must be a whole number");
      }
    }
    expect = doc.expect as Scenario["expect"];
  }
  return { source, name: typeof doc.name === "string" ? doc.name : path.basename(source), description: typeof doc.description === "string" ? doc.description : undefined, faults, steps: out, expect };
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid ${/\.json$/i.test(file) ? "JSON" : "YAML"}: ${(err as Error).message}`);
  }
  return parseScenario(doc, file);
}

/** {"$number": "1.5"} → an exact DynamoDB number; everything else as util-dynamodb marshals it. */
export function exactNumbers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(exactNumbers);
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === "$number" && typeof value.$number === "string") return NumberValueImpl.from(value.$number);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, exactNumbers(v)]));
  }
  return value;
}
