import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../config/stackFile";
import { BATCH_METRICS, LIVENESS_METRICS, METRICS_NAMESPACE } from "../handlers/constants";
import type { PipeGroup } from "../routing/pipes";
import { type RouteDeclaration, type RouteName, routeMetrics } from "../routing/route";
import { describeFile } from "./inputFile";

// What the shipped processors cost per invocation and per record, measured, never guessed:
// `npm run bench cost` runs each declared pipe's processor bundle (the code that is deployed,
// infra/bundle.ts) on records of cost/samples/orders-1000.jsonl with a Lambda-shaped context
// and a local SQS queue, counts the bytes it writes to stdout and stderr (both go to
// CloudWatch Logs on Lambda; Powertools writes them without the runtime's prefix), reads the
// EMF documents for the custom metrics it emits, and times it. tests/costProfile.test.ts
// re-measures the bytes and metrics, so this file cannot drift from the handlers unnoticed.
//
// Bytes are split the way the processor writes them, so a shared processor is the sum of its
// parts: per pipe (the batch.done line, the batch.outcomes line's own fields, the quarantine
// envelope, handler time) and per route (its EMF document every invocation, its order
// metrics' definitions, its bytes per record by outcome). A route declared after the last
// measurement is priced with another route's figures, and the estimate says so.

export const DEFAULT_PROFILE_FILE = path.join(PROJECT_DIR, "cost", "handler-profile.json");

export type RecordOutcome = "processed" | "skipped" | "rejected";
export const RECORD_OUTCOMES: readonly RecordOutcome[] = ["processed", "skipped", "rejected"];

export interface RouteMetricsProfile {
  /** "namespace/name [dimensions]" every invocation emits for the route (its batch counters). */
  readonly perInvocation: readonly string[];
  /** Added when an invocation processed an order of the route. */
  readonly withOrders: readonly string[];
}

export interface RouteProfile {
  /** Its EMF document of the batch counters, in every invocation of its processor. */
  readonly logBytesPerInvocation: number;
  /** Extra bytes of an invocation with at least one of its orders: the order metrics' definitions. */
  readonly logBytesPerInvocationWithOrders: number;
  /** Bytes per record by what the route did with it (its outcome entry, its step's line, its metric values, a quarantine WARN). */
  readonly logBytesPerRecord: Readonly<Record<RecordOutcome, number>>;
  readonly metrics: RouteMetricsProfile;
  /** How the records were found: from the sample, or made from sample records (the bench says which). */
  readonly measuredOn: string;
}

export interface PipeProfile {
  /** The routes its processor served when measured. */
  readonly routes: readonly RouteName[];
  /** Bytes of an empty invocation other than the routes' EMF documents: the batch.done line. */
  readonly logBytesPerInvocation: number;
  /** The batch.outcomes line's own fields, once per line (a line holds up to 200 entries). */
  readonly logBytesPerOutcomesLine: number;
  /** Bytes a quarantine message adds to the record it carries (envelope, reasons, message attribute). */
  readonly quarantineEnvelopeBytes: number;
  /** Bytes of a whole invocation carrying one canary heartbeat of its first route (batch.heartbeats, batch.done, the routes' EMF documents). */
  readonly logBytesPerHeartbeatInvocation: number;
  /** Handler time on the bench machine (one core): fixed per invocation, and per delivered record. */
  readonly durationMs: { readonly perInvocation: number; readonly perRecord: number };
}

export interface HandlerProfile {
  readonly measuredAt: string;
  readonly measuredWith: string;
  /** By the route that owns the pipe. */
  readonly pipes: Readonly<Record<RouteName, PipeProfile>>;
  readonly routes: Readonly<Record<RouteName, RouteProfile>>;
}

/**
 * The metrics a route's processor emits for it: fixed by the handler shell and the declaration,
 * so known without measuring. ProcessingLatency comes with any record the route handles, so with
 * its orders; Heartbeats only with the canary's heartbeats (priced on the canary's line).
 */
export function declaredMetrics(d: RouteDeclaration): RouteMetricsProfile {
  const names = routeMetrics(d);
  const metric = (name: string) => `${METRICS_NAMESPACE}/${name} [service]`;
  return { perInvocation: BATCH_METRICS.map(metric).sort(), withOrders: [names.count, names.amount, LIVENESS_METRICS.latency].map(metric).sort() };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v >= 0;

function checkRoute(r: unknown, where: string): void {
  if (!isObject(r)) throw new Error(`${where} is not an object`);
  for (const k of ["logBytesPerInvocation", "logBytesPerInvocationWithOrders"]) if (!isCount(r[k])) throw new Error(`${where}.${k} must be a number of bytes`);
  if (!isObject(r.logBytesPerRecord) || RECORD_OUTCOMES.some((o) => !isCount((r.logBytesPerRecord as Record<string, unknown>)[o]))) {
    throw new Error(`${where}.logBytesPerRecord needs ${RECORD_OUTCOMES.join(", ")}, numbers of bytes`);
  }
  if (!isObject(r.metrics) || !Array.isArray(r.metrics.perInvocation) || !Array.isArray(r.metrics.withOrders)) throw new Error(`${where}.metrics needs perInvocation and withOrders lists`);
}

function checkPipe(p: unknown, where: string): void {
  if (!isObject(p)) throw new Error(`${where} is not an object`);
  if (!Array.isArray(p.routes) || p.routes.length === 0) throw new Error(`${where}.routes must list the routes its processor served`);
  for (const k of ["logBytesPerInvocation", "logBytesPerOutcomesLine", "quarantineEnvelopeBytes", "logBytesPerHeartbeatInvocation"]) if (!isCount(p[k])) throw new Error(`${where}.${k} must be a number of bytes`);
  if (!isObject(p.durationMs) || !isCount(p.durationMs.perInvocation) || !isCount(p.durationMs.perRecord)) throw new Error(`${where}.durationMs needs perInvocation and perRecord, in ms`);
}

/** Reads and checks a profile; every message names the file and what to run. */
export function loadHandlerProfile(file = DEFAULT_PROFILE_FILE): HandlerProfile {
  const fix = "run `npm run bench cost` to measure it";
  const problem = describeFile(file, "handler profile");
  if (problem) throw new Error(`${problem}; ${fix}`);
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`handler profile ${file} is not JSON (${(err as Error).message}); ${fix}`);
  }
  if (!isObject(doc) || !isObject(doc.pipes) || !isObject(doc.routes)) {
    throw new Error(`handler profile ${file} has no "pipes" and "routes" (an older format?); ${fix}`);
  }
  try {
    for (const [owner, p] of Object.entries(doc.pipes)) checkPipe(p, `pipes.${owner}`);
    for (const [route, r] of Object.entries(doc.routes)) checkRoute(r, `routes.${route}`);
  } catch (err) {
    throw new Error(`handler profile ${file}: ${(err as Error).message}; ${fix}`);
  }
  return doc as unknown as HandlerProfile;
}

/** What one pipe and one route are priced with, and where that came from. */
export interface PricedPipe extends PipeProfile {
  readonly source: string;
}
export interface PricedRoute extends RouteProfile {
  readonly source: string;
}

export interface ResolvedProfile {
  readonly measuredAt: string;
  readonly pipes: Readonly<Record<RouteName, PricedPipe>>;
  readonly routes: Readonly<Record<RouteName, PricedRoute>>;
  /** One sentence per route or pipe not measured as declared: what it is priced with instead. */
  readonly statements: readonly string[];
}

/**
 * Every declared pipe and route with the figures it is priced with. A route without
 * measurements takes those of the route whose pipe it rides on (or of the first measured
 * route), with its own declared metrics; a pipe without, those of the first measured pipe.
 * Never a refusal: the statements say what was used, and how to measure instead.
 */
export function resolveProfile(profile: HandlerProfile, declarations: readonly RouteDeclaration[], pipes: readonly PipeGroup[]): ResolvedProfile {
  const statements: string[] = [];
  const measuredRoutes = declarations.map((d) => d.name).filter((n) => profile.routes[n] !== undefined);
  const anyRoute = measuredRoutes[0] ?? Object.keys(profile.routes)[0];
  const anyPipe = pipes.map((g) => g.owner).find((o) => profile.pipes[o] !== undefined) ?? Object.keys(profile.pipes)[0];
  if (anyRoute === undefined || anyPipe === undefined) throw new Error("the handler profile measures no route; run `npm run bench cost` to measure it");
  const measureHint = "run `npm run bench cost` to measure it";

  const routes: Record<RouteName, PricedRoute> = {};
  for (const d of declarations) {
    const own = profile.routes[d.name];
    const metrics = declaredMetrics(d);
    if (own) {
      routes[d.name] = { ...own, metrics, source: `measured ${profile.measuredAt} (${own.measuredOn})` };
      continue;
    }
    const group = pipes.find((g) => g.routes.includes(d.name));
    const host = group && group.owner !== d.name && profile.routes[group.owner] ? group.owner : anyRoute;
    const h = profile.routes[host];
    routes[d.name] = { ...h, metrics, measuredOn: "not measured", source: `route ${host}'s measurements` };
    statements.push(
      `Route ${d.name} has no measurements in the handler profile (measured ${profile.measuredAt}, for ${Object.keys(profile.routes).join(", ")}): ` +
        `its log bytes are route ${host}'s${host === group?.owner ? " (the route whose pipe it shares)" : ""} ` +
        `(${h.logBytesPerRecord.processed} bytes per processed record, ${h.logBytesPerRecord.skipped} per skipped, ${h.logBytesPerRecord.rejected} per rejected, ${h.logBytesPerInvocation} per invocation), ` +
        `its metrics its own declared ${metrics.perInvocation.length + metrics.withOrders.length} (${[...metrics.perInvocation, ...metrics.withOrders].map((m) => m.replace(/^.*\//, "").replace(" [service]", "")).join(", ")}, each per service); ${measureHint}.`,
    );
  }

  const out: Record<RouteName, PricedPipe> = {};
  for (const g of pipes) {
    const own = profile.pipes[g.owner];
    if (own) {
      const same = own.routes.length === g.routes.length && own.routes.every((r) => g.routes.includes(r));
      out[g.owner] = { ...own, source: `measured ${profile.measuredAt}` };
      if (!same) {
        statements.push(
          `${g.pipeResource}'s processor was measured serving ${own.routes.join(", ")}; it now serves ${g.routes.join(", ")}: its handler time and per-invocation bytes are those measured, ` +
            `each route's own bytes are added; ${measureHint}.`,
        );
      }
      continue;
    }
    const h = profile.pipes[anyPipe];
    out[g.owner] = { ...h, routes: g.routes, source: `${anyPipe}'s pipe's measurements` };
    statements.push(
      `${g.pipeResource} has no measurements in the handler profile: priced with those of route ${anyPipe}'s pipe ` +
        `(${h.durationMs.perInvocation} ms per invocation + ${h.durationMs.perRecord} ms per record, ${h.logBytesPerInvocation} bytes per invocation); ${measureHint}.`,
    );
  }
  return { measuredAt: profile.measuredAt, pipes: out, routes, statements };
}
