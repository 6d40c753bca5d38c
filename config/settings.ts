import { DEFAULT_ORDERS_IN_FLIGHT, ORDERS_IN_FLIGHT_RANGE } from "../handlers/constants";
import { HEARTBEAT_PERIODS_MINUTES, SILENT_PERIODS } from "../routing/heartbeat";
import { type RouteDeclaration, type RouteKey, type RouteSettings, routeKeys, STATUS, thresholdProblem } from "../routing/route";
import { ROUTES } from "../routing/routes";
import { UnreadSecret } from "./secrets";
import { closest } from "./suggest";

// The stack's settings: one typed, validated view of the `orders:*` config keys, used by the
// Pulumi program, the CLI and the local runtime alike. Pure: no Pulumi import, so tools that
// only read Pulumi.<stack>.yaml validate it exactly as `pulumi preview` does.

/** This program's config namespace; also the Pulumi project's name (Pulumi.yaml), see namespaces.ts. */
export const CONFIG_NAMESPACE = "orders";

export type StartingPosition = "TRIM_HORIZON" | "LATEST";
export type LambdaArchitecture = "arm64" | "x86_64";

/**
 * The stack-wide settings, and the routes' own keys (thresholds, statuses, ...; one per
 * per-stack field of a declared route, see routing/route.ts routeKeys) in `routeValues`.
 */
export interface StackSettings extends RouteSettings {
  readonly maxRetryAttempts: number;
  readonly maxRecordAgeSeconds: number;
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly startingPosition: StartingPosition;
  readonly logRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly lambdaArchitecture: LambdaArchitecture;
  readonly lambdaMemoryMb: number;
  /** How many of a batch's orders a processor handles at once (handlers/batch.ts). */
  readonly ordersInFlight: number;
  /** The canary writes each route's heartbeat every this many minutes (routing/heartbeat.ts). */
  readonly heartbeatMinutes: number;
  /** Each route's latency alarm fires when the p99 of write → processed latency over 5 minutes is above this. */
  readonly latencyObjectiveSeconds: number;
  readonly alarmEmail?: string;
}

/** Every invalid key of one stack, reported together so one edit fixes them all, each once. */
export class ConfigError extends Error {
  declare readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const unique = [...new Set(problems)];
    super(`Invalid stack configuration:\n  - ${unique.join("\n  - ")}`);
    this.name = "ConfigError";
    // Not enumerable: util.inspect, which Pulumi uses to print an error a program throws,
    // lists enumerable properties after the message, so each problem would appear twice.
    Object.defineProperty(this, "problems", { value: unique, enumerable: false });
  }
}

/** Where a key's value came from, for the messages: a file name, or one per full key (`orders:batchSize`). */
export type Source = string | ((key: string) => string);

/** Where the value of a full key (`orders:batchSize`, `order:batchSize`) came from. */
export function sourceOf(source: Source, key: string): string {
  return typeof source === "string" ? source : source(key);
}

/** The source of a bare setting name (`batchSize`). */
function whereOf(source: Source): (key: string) => string {
  return (key) => sourceOf(source, `${CONFIG_NAMESPACE}:${key}`);
}

const SHOWN_MAX = 80;

/** A value or key as the user wrote it, cut short when long: an error must not echo 200,000 characters back. */
export function shown(text: string): string {
  if (text.length <= SHOWN_MAX) return text;
  return `${Array.from(text.slice(0, 61)).slice(0, 60).join("")}… (${text.length.toLocaleString("en-US")} characters)`;
}

// CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

type Parser<T> = (raw: unknown) => { value: T } | { problem: string };

interface KeySpec<T> {
  readonly parse: Parser<T>;
  readonly default?: T;
  readonly optional?: boolean;
  /**
   * What the program gets for an encrypted value that a tool reading the file could not decrypt
   * (config/secrets.ts), for a key the program only hands on to AWS and never decides on. Any
   * other key fails when it is read, saying how to supply it.
   */
  readonly unreadSecret?: T;
}

function integer(min: number, max: number, why: string): Parser<number> {
  return (raw) => {
    const n = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
    if (!Number.isInteger(n)) return { problem: `must be a whole number; ${why}` };
    if (n < min || n > max) return { problem: why };
    return { value: n };
  };
}

function amount(): Parser<string> {
  return (raw) => {
    const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : undefined;
    const problem = thresholdProblem(text);
    return problem ? { problem } : { value: text as string };
  };
}

function oneOf<T extends string | number>(allowed: readonly T[]): Parser<T> {
  return (raw) => {
    const hit = allowed.find((a) => a === raw || String(a) === String(raw).trim());
    return hit === undefined ? { problem: `must be one of ${allowed.join(", ")}` } : { value: hit };
  };
}

function boolean(): Parser<boolean> {
  return (raw) => {
    if (raw === true || raw === "true") return { value: true };
    if (raw === false || raw === "false") return { value: false };
    return { problem: "must be true or false" };
  };
}

function stringList(item: (s: string) => string | undefined, what: string): Parser<string[]> {
  return (raw) => {
    let list: unknown = raw;
    if (typeof raw === "string") {
      try {
        list = JSON.parse(raw);
      } catch {
        return { problem: `must be a list of ${what}, e.g. [a, b] in YAML` };
      }
    }
    if (!Array.isArray(list) || list.length === 0) return { problem: `must be a non-empty list of ${what}` };
    const out: string[] = [];
    for (const entry of list) {
      const problem = typeof entry === "string" ? item(entry) : "is not a string";
      if (problem) return { problem: `entry ${shown(JSON.stringify(entry))} ${problem}` };
      if (out.includes(entry)) return { problem: `lists ${shown(JSON.stringify(entry))} twice` };
      out.push(entry);
    }
    return { value: out };
  };
}

// A DynamoDB stream keeps each record 24 hours (DynamoDB developer guide, Streams.html). A record that reaches maxRecordAgeSeconds is dead-
// lettered as a pointer, and its data can be read back (`dlq show`, `dlq redrive`) only until
// the stream trims it: 24 h after it was written. AWS says to keep the age limit below the
// source's retention (eb-pipes-error-troubleshooting).
export const STREAM_RETENTION_SECONDS = 24 * 60 * 60;
/** The least time a dead-lettered pointer must leave to read its records back. */
export const MIN_SECONDS_TO_ACT = 60 * 60;

function recordAge(): Parser<number> {
  const range = "a pipe accepts -1 (forever) or 60 to 604800 seconds; this pipeline needs a bounded age";
  const bounds = integer(60, 604800, `${range} from 60 to ${STREAM_RETENTION_SECONDS - MIN_SECONDS_TO_ACT}`);
  return (raw) => {
    const parsed = bounds(raw);
    if ("problem" in parsed) return parsed;
    const left = STREAM_RETENTION_SECONDS - parsed.value;
    if (left < MIN_SECONDS_TO_ACT) {
      return {
        problem:
          `the source is a DynamoDB stream, which keeps records 24 h (86400 s): a record dead-lettered at this age ` +
          `leaves ${left <= 0 ? "no time" : `only ${left} s`} to read it back with 'orders-pipeline dlq show' or redrive it before the stream trims it; ` +
          `use at most ${STREAM_RETENTION_SECONDS - MIN_SECONDS_TO_ACT} (1 h left to act; production should leave 12 h: 43200)`,
      };
    }
    return parsed;
  };
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

type StackKey = Exclude<keyof StackSettings, "routeValues">;

const statusList = stringList((s) => (STATUS.test(s) ? undefined : "is not a status name (letters, digits, _ or -)"), "order statuses");

const SPECS: { readonly [K in StackKey]-?: KeySpec<StackSettings[K]> } = {
  testEmailDomains: {
    parse: stringList(
      (s) => (DOMAIN.test(s) ? undefined : "is not a lower-case domain name such as test.com"),
      "e-mail domains",
    ),
    default: ["test.com"],
  },
  // -1 (forever) is what AWS accepts but not what the seed means (a bounded number of retries);
  // 0 is silently not applied by the provider (terraform-provider-aws#33019).
  maxRetryAttempts: {
    parse: integer(1, 10000, "a pipe accepts -1 (retry forever) or 0 to 10000; this pipeline needs a bounded number from 1 to 10000 (0 is not applied by the AWS provider)"),
    default: 5,
  },
  maxRecordAgeSeconds: { parse: recordAge(), default: 43200 },
  batchSize: { parse: integer(1, 10000, "a pipe accepts 1 to 10000 records per batch"), default: 10 },
  batchingWindowSeconds: { parse: integer(0, 300, "a pipe accepts 0 to 300 seconds"), default: 1 },
  startingPosition: { parse: oneOf<StartingPosition>(["TRIM_HORIZON", "LATEST"]), default: "TRIM_HORIZON" },
  logRetentionDays: { parse: oneOf<number>(LOG_RETENTION_DAYS), default: 14 },
  deletionProtection: { parse: boolean(), default: false },
  lambdaArchitecture: { parse: oneOf<LambdaArchitecture>(["arm64", "x86_64"]), default: "arm64" },
  lambdaMemoryMb: { parse: integer(128, 10240, "Lambda accepts 128 to 10240 MB"), default: 256 },
  ordersInFlight: {
    parse: integer(ORDERS_IN_FLIGHT_RANGE.min, ORDERS_IN_FLIGHT_RANGE.max, `a processor handles ${ORDERS_IN_FLIGHT_RANGE.min} to ${ORDERS_IN_FLIGHT_RANGE.max} of a batch's orders at once`),
    default: DEFAULT_ORDERS_IN_FLIGHT,
  },
  // The canary's period: a divisor of an hour (even cron intervals) of at least 2 minutes (two
  // writes a period for a transition route, a minute apart at least).
  heartbeatMinutes: { parse: oneOf<number>(HEARTBEAT_PERIODS_MINUTES), default: 5 },
  latencyObjectiveSeconds: { parse: integer(2, 3600, "the objective for write → processed latency is 2 to 3600 seconds"), default: 60 },
  alarmEmail: {
    parse: (raw) => (typeof raw === "string" && EMAIL.test(raw.trim()) ? { value: raw.trim() } : { problem: "must be an e-mail address such as oncall@example.com" }),
    optional: true,
    // Pulumi's own word for a value it does not show; the local runtime never subscribes anyone.
    unreadSecret: "[secret]",
  },
};

export const SETTING_KEYS = Object.keys(SPECS) as StackKey[];

/** orders:latencyObjectiveSeconds when a stack leaves it out: 60 s, or the batching window + 60 s when 60 s is not more than the window + 1 (crossKeyProblems). */
export function defaultLatencyObjectiveSeconds(batchingWindowSeconds: number): number {
  const usual = SPECS.latencyObjectiveSeconds.default as number;
  return usual > batchingWindowSeconds + 1 ? usual : batchingWindowSeconds + 60;
}

/** orders:heartbeatMinutes when a stack leaves it out: 5, or the shortest allowed period longer than the batching window. */
export function defaultHeartbeatMinutes(batchingWindowSeconds: number): number {
  const least = SPECS.heartbeatMinutes.default as number;
  return HEARTBEAT_PERIODS_MINUTES.find((m) => m >= least && m * 60 > batchingWindowSeconds) ?? 60;
}

/** How a route's own key is read: by what the field holds. */
function routeKeySpec(k: RouteKey): KeySpec<unknown> {
  switch (k.field) {
    case "MinAmount":
      return { parse: amount(), default: k.default };
    case "Statuses":
    case "PreviousStatuses":
      return { parse: statusList, default: k.default };
    case "ExcludesTestCustomers":
      return { parse: boolean(), default: k.default };
  }
}

/** Every key a stack may set: the stack-wide ones, then each declared route's own. */
export function settingKeys(declarations: readonly RouteDeclaration[] = ROUTES): string[] {
  return [...SETTING_KEYS, ...declarations.flatMap((d) => routeKeys(d).map((k) => k.key))];
}

/**
 * Validates raw config values (strings as Pulumi passes them, or YAML values, or UnreadSecret)
 * keyed by bare key name (`maxRetryAttempts`). `source` names where they came from for the
 * messages (`Pulumi.dev.yaml`). Throws a ConfigError listing every bad key with its value and
 * the allowed range. A secret that could not be decrypted is reported only when read.
 */
export function parseSettings(raw: Readonly<Record<string, unknown>>, source: Source, declarations: readonly RouteDeclaration[] = ROUTES): StackSettings {
  const where = whereOf(source);
  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  const out: Record<string, unknown> = {};
  const routeValues: Record<string, unknown> = {};
  // The stack-wide keys land in the settings, each declared route's own in routeValues.
  const specs = new Map<string, { spec: KeySpec<unknown>; into: Record<string, unknown> }>();
  for (const key of SETTING_KEYS) specs.set(key, { spec: SPECS[key] as KeySpec<unknown>, into: out });
  for (const k of declarations.flatMap(routeKeys)) specs.set(k.key, { spec: routeKeySpec(k), into: routeValues });
  const known = [...specs.keys()];
  for (const key of Object.keys(raw)) {
    // A Map: "constructor" or "__proto__" is no setting either.
    if (!specs.has(key)) {
      const near = closest(key, known);
      problems.push(
        `${CONFIG_NAMESPACE}:${shown(key)} in ${where(key)} is not a setting of this program` +
          (near ? `; did you mean ${CONFIG_NAMESPACE}:${near}?` : `; known keys: ${known.join(", ")}`),
      );
    }
  }
  for (const [key, { spec, into }] of specs) {
    const value = Object.hasOwn(raw, key) ? raw[key] : undefined;
    if (value === undefined || value === null) {
      if (spec.default !== undefined) into[key] = parsed[key] = spec.default;
      else if (!spec.optional) problems.push(`${CONFIG_NAMESPACE}:${key} is missing in ${where(key)}`);
      continue;
    }
    if (value instanceof UnreadSecret) {
      if (spec.unreadSecret !== undefined) {
        into[key] = spec.unreadSecret;
        continue;
      }
      const problem =
        `${value.key} is a secret in ${where(key)} (an encrypted "secure:" value) that this command cannot decrypt, and it needs the value: ` +
        `give it with --config ${value.key}=VALUE, or run the command where the Pulumi CLI can read the stack (\`pulumi config --show-secrets\`)`;
      Object.defineProperty(into, key, {
        enumerable: true,
        get: () => {
          throw new ConfigError([problem]);
        },
      });
      continue;
    }
    const result = spec.parse(value);
    if ("problem" in result) {
      problems.push(`${CONFIG_NAMESPACE}:${key} is ${shown(typeof value === "string" ? value : JSON.stringify(value))} in ${where(key)}; ${result.problem}`);
    } else {
      into[key] = parsed[key] = result.value;
    }
  }
  // Liveness defaults follow the batching window, which a record may wait whole: a stack that
  // sets a long window and no objective gets one it can meet (crossKeyProblems checks the rest).
  const window = parsed.batchingWindowSeconds as number | undefined;
  if (window !== undefined && !Object.hasOwn(raw, "latencyObjectiveSeconds")) {
    out.latencyObjectiveSeconds = parsed.latencyObjectiveSeconds = defaultLatencyObjectiveSeconds(window);
  }
  if (window !== undefined && !Object.hasOwn(raw, "heartbeatMinutes")) {
    out.heartbeatMinutes = parsed.heartbeatMinutes = defaultHeartbeatMinutes(window);
  }
  problems.push(...crossKeyProblems(parsed as Partial<StackSettings>, source));
  if (problems.length > 0) throw new ConfigError(problems);
  // Not spread: a secret this command cannot read is a getter that throws only when read.
  Object.defineProperty(out, "routeValues", { value: routeValues, enumerable: true });
  return out as unknown as StackSettings;
}

/** "Pulumi.dev.yaml", or "--config and Pulumi.dev.yaml" when two keys come from two places. */
function sourcesOf(where: (key: string) => string, keys: readonly string[]): string {
  return [...new Set(keys.map(where))].join(" and ");
}

/**
 * Rules between keys, checked on the values that passed their own key's check (a key that
 * failed is already reported). Their messages join the per-key ones.
 */
export function crossKeyProblems(s: Partial<StackSettings>, source: Source): string[] {
  const where = whereOf(source);
  const problems: string[] = [];
  const window = s.batchingWindowSeconds;
  const age = s.maxRecordAgeSeconds;
  // AWS refuses the pipe at `pulumi up` otherwise: "MaximumBatchingWindowInSeconds must be
  // less than MaximumRecordAgeInSeconds" (quoted in terraform-provider-aws#41573).
  if (window !== undefined && age !== undefined && window >= age) {
    problems.push(
      `${CONFIG_NAMESPACE}:batchingWindowSeconds (${window}) must be less than ${CONFIG_NAMESPACE}:maxRecordAgeSeconds (${age}) in ${sourcesOf(where, ["batchingWindowSeconds", "maxRecordAgeSeconds"])}: ` +
        `AWS refuses a pipe whose batching window is not below its record age; lower the window or raise the age`,
    );
  }
  // A record can wait a whole batching window before the pipe invokes its processor, and its
  // creation time is rounded down to the second (StreamRecord.ApproximateCreationDateTime): an
  // objective within that would keep the latency alarm firing on a healthy pipe.
  const objective = s.latencyObjectiveSeconds;
  if (window !== undefined && objective !== undefined && objective <= window + 1) {
    problems.push(
      `${CONFIG_NAMESPACE}:latencyObjectiveSeconds (${objective}) must be more than ${CONFIG_NAMESPACE}:batchingWindowSeconds (${window}) + 1 in ${sourcesOf(where, ["latencyObjectiveSeconds", "batchingWindowSeconds"])}: ` +
        `a record may wait a whole batching window before its processor sees it, and its write time is rounded down to the second; raise the objective or lower the window`,
    );
  }
  // The heartbeat alarm fires after SILENT_PERIODS periods without a heartbeat; a heartbeat can wait a whole
  // batching window on its way, so a window as long as a period would fire it on a healthy pipe.
  const minutes = s.heartbeatMinutes;
  if (window !== undefined && minutes !== undefined && window >= minutes * 60) {
    problems.push(
      `${CONFIG_NAMESPACE}:heartbeatMinutes (${minutes}) must be longer than ${CONFIG_NAMESPACE}:batchingWindowSeconds (${window} s) in ${sourcesOf(where, ["heartbeatMinutes", "batchingWindowSeconds"])}: ` +
        `a heartbeat can wait a whole batching window, and the heartbeat alarm fires after ${SILENT_PERIODS} periods without one; choose a longer period or a shorter window`,
    );
  }
  return problems;
}
