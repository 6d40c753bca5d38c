import { parseDecimal } from "./decimal";
import { DYNAMO_NUMBER_RANGE, dynamoNumberProblem, MAX_SIGNIFICANT_DIGITS } from "./dynamoNumber";

// A route is one kind of order change the pipeline acts on, with its business step. Routes
// are declared once, as data (routing/routes.ts); the pipe filters, the processors' guards,
// the processors themselves, their alarms and dashboard, the `route`, `local` and `cost`
// commands all follow from that list, for any number of routes.
//
// The split between pipe and processor follows what a pipe can evaluate (shared/aws-facts.md
// sections 2 to 4 and 10):
// - the filter tests only statuses and which images exist, and only under the record's
//   `dynamodb` key: "DynamoDB event source mappings only support filtering on the dynamodb
//   key" (AWS Lambda developer guide, docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html;
//   Pipes poll streams the same way). The stream changes (INSERT, MODIFY) follow from the
//   images the filter requires (see filterPatterns);
// - the guard tests what a pipe cannot: the event name again, the amount (a DynamoDB number
//   is a string, so `numeric` never matches it) and the test-customer exclusion (a pipe has no
//   "anything-but suffix", and the intent is case-insensitive and includes subdomains).

/** The stream changes a route can handle: each carries a new image with the order's status. */
export type StreamChange = "INSERT" | "MODIFY";
export const STREAM_CHANGES: readonly StreamChange[] = ["INSERT", "MODIFY"];

/** How a route treats the order's amount (the new image's orderAmount, an exact decimal). */
export type AmountRule = { readonly above: string } | { readonly atLeast: string } | "any";

/** A declared value a stack may change with the config key `orders:<route><Field>`. */
export interface PerStack<T> {
  readonly perStack: true;
  readonly default: T;
}

/** Marks a route field a stack may set in Pulumi.<stack>.yaml (`orders:<route><Field>`); `value` is its default. */
export function perStack<T>(value: T): PerStack<T> {
  return { perStack: true, default: value };
}

export type Declared<T> = T | PerStack<T>;

/** One route as a team declares it in routing/routes.ts. */
export interface RouteDeclaration {
  /**
   * lowerCamelCase, unique. It names the route's config keys (`orders:<name>MinAmount`), its
   * processor's metrics (`orders-<name>-processor`) and, for a route with a pipe of its own,
   * the AWS resources (`<Name>OrdersPipe`, `<Name>OrdersProcessor`).
   */
  readonly name: string;
  /** The stream changes it handles: INSERT (a new order), MODIFY (a change to one), or both. */
  readonly changes: readonly StreamChange[];
  /** The new image's orderStatus must be one of these. */
  readonly statuses: Declared<readonly string[]>;
  /** A transition: the old image's orderStatus must be one of these (MODIFY only). */
  readonly previousStatuses?: Declared<readonly string[]>;
  /**
   * The amount rule. A threshold is always a per-stack setting, `orders:<name>MinAmount`,
   * with the value written here as its default.
   */
  readonly amount: AmountRule;
  /** Leave out customers at the stack's test domains (`orders:testEmailDomains`) or their subdomains. */
  readonly excludeTestCustomers: Declared<boolean>;
  /** The business step: `handlers/steps/<step>.ts`, which exports `step: OrderHandler`. */
  readonly step: string;
  /**
   * Ride on another route's pipe (and processor and DLQ) instead of a pipe of its own. A
   * DynamoDB stream shard serves at most two readers (see routing/pipes.ts), so a third route
   * must share.
   */
  readonly pipe?: string;
  /** The metrics its processor counts each processed order under; default OrdersProcessed / OrderAmountProcessed. */
  readonly metrics?: { readonly count: string; readonly amount: string };
  /**
   * What makes its business effect happen once (routing/effectKey.ts): "change" (default) the
   * order and the status change it acts on, so every re-delivery of that change (retries,
   * bisection, a replayed stream, a redrive) is a repeat; "eventID" one effect per stream record.
   */
  readonly idempotencyKey?: IdempotencyKeyRule;
}

export type IdempotencyKeyRule = "change" | "eventID";

/** A route's amount rule, with the stack's threshold. */
export type AmountCheck = { readonly rule: "above" | "atLeast"; readonly threshold: string } | { readonly rule: "any" };

/** A route as one stack deploys it: every per-stack value resolved. */
export interface Route {
  readonly name: string;
  /** Stream event names the route handles. */
  readonly eventNames: readonly StreamChange[];
  readonly statuses: readonly string[];
  readonly previousStatuses?: readonly string[];
  readonly amount: AmountCheck;
  readonly excludeTestCustomers: boolean;
  readonly testEmailDomains: readonly string[];
  /** What its effect is keyed on (default "change"). */
  readonly idempotencyKey?: IdempotencyKeyRule;
}

/** Route names are plain strings: the list is data (routing/routes.ts). */
export type RouteName = string;

export const DEFAULT_ROUTE_METRICS = { count: "OrdersProcessed", amount: "OrderAmountProcessed" } as const;

export function isPerStack<T>(value: Declared<T> | undefined): value is PerStack<T> {
  return typeof value === "object" && value !== null && (value as PerStack<T>).perStack === true;
}

function declaredDefault<T>(value: Declared<T>): T {
  return isPerStack(value) ? value.default : value;
}

/** "normal" → "Normal"; "bigRefunds" → "BigRefunds". */
export function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** "bigRefunds" → "BIG_REFUNDS" (environment variable names). */
export function upperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The stem of a route's AWS resource names: NormalOrders → NormalOrdersPipe, NormalOrdersProcessor. */
export function resourceStem(route: RouteName): string {
  return `${pascalCase(route)}Orders`;
}

/** Powertools' serviceName of a route's metrics: their `service` dimension. */
export function metricsServiceName(route: RouteName): string {
  return `orders-${route}-processor`;
}

export function routeMetrics(d: RouteDeclaration): { readonly count: string; readonly amount: string } {
  return d.metrics ?? DEFAULT_ROUTE_METRICS;
}

// ---------------------------------------------------------------------------------------
// Per-stack settings of the routes: one config key per per-stack field, named from the route.

export type RouteField = "MinAmount" | "Statuses" | "PreviousStatuses" | "ExcludesTestCustomers";

export interface RouteKey {
  /** The bare config key, e.g. normalMinAmount (orders:normalMinAmount in the stack file). */
  readonly key: string;
  readonly route: RouteName;
  readonly field: RouteField;
  readonly default: string | boolean | readonly string[];
  /** What the amount rule does with the threshold, for messages and docs. */
  readonly describe: string;
}

/** The config keys a route declaration reads, with their defaults. */
export function routeKeys(d: RouteDeclaration): RouteKey[] {
  const keys: RouteKey[] = [];
  const key = (field: RouteField, def: RouteKey["default"], describe: string) => keys.push({ key: `${d.name}${field}`, route: d.name, field, default: def, describe });
  if (d.amount !== "any") {
    const [rule, threshold] = "above" in d.amount ? ["above", d.amount.above] : ["at least", d.amount.atLeast];
    key("MinAmount", threshold, `${d.name} route: amounts ${rule} this pass (exact decimal)`);
  }
  if (isPerStack(d.statuses)) key("Statuses", d.statuses.default, `${d.name} route: the order statuses it handles`);
  if (isPerStack(d.previousStatuses)) key("PreviousStatuses", d.previousStatuses.default, `${d.name} route: the statuses an order must change from`);
  if (isPerStack(d.excludeTestCustomers)) key("ExcludesTestCustomers", d.excludeTestCustomers.default, `${d.name} route: whether it leaves out test customers`);
  return keys;
}

/** The stack-wide settings the routes read, besides their own keys. */
export interface RouteSettings {
  /** Customers whose address is at one of these domains (or a subdomain) are test customers. */
  readonly testEmailDomains: readonly string[];
  /** Validated values of the routes' own keys (routeKeys), by bare key; a missing key takes its default. */
  readonly routeValues: Readonly<Record<string, unknown>>;
}

/** The route as `settings` deploy it. */
export function resolveRoute(d: RouteDeclaration, s: RouteSettings): Route {
  const value = <T>(field: RouteField, declared: Declared<T>): T => {
    const v = s.routeValues[`${d.name}${field}`];
    return v === undefined ? declaredDefault(declared) : (v as T);
  };
  const amount: AmountCheck =
    d.amount === "any"
      ? { rule: "any" }
      : "above" in d.amount
        ? { rule: "above", threshold: value("MinAmount", d.amount.above) }
        : { rule: "atLeast", threshold: value("MinAmount", d.amount.atLeast) };
  const previous = d.previousStatuses === undefined ? undefined : value("PreviousStatuses", d.previousStatuses);
  const route: Route = {
    name: d.name,
    eventNames: [...d.changes],
    statuses: value("Statuses", d.statuses),
    amount,
    excludeTestCustomers: value("ExcludesTestCustomers", d.excludeTestCustomers),
    testEmailDomains: s.testEmailDomains,
    ...(previous ? { previousStatuses: previous } : {}),
    ...(d.idempotencyKey && d.idempotencyKey !== "change" ? { idempotencyKey: d.idempotencyKey } : {}),
  };
  return route;
}

// ---------------------------------------------------------------------------------------
// Checking a declaration list: every problem named with the route and field, all at once.

const NAME = /^[a-z][a-zA-Z0-9]{0,23}$/;
/** The stack's other outputs (index.ts): each route is also an output, named after it. */
export const RESERVED_ROUTE_NAMES = ["tableName", "tableArn", "streamArn", "alarmTopicArn", "idempotencyTableName", "dashboardName", "stack"];
export const STATUS = /^[A-Za-z0-9_-]{1,64}$/;
const STEP = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;
// CloudWatch metric names: 1 to 255 characters (PutMetricData); kept to a readable set.
const METRIC = /^[A-Za-z0-9_.-]{1,255}$/;

/** Problems of one declared value that a stack may also set (statuses lists). */
function statusListProblem(list: unknown): string | undefined {
  if (!Array.isArray(list) || list.length === 0) return "must be a non-empty list of order statuses";
  for (const s of list) if (typeof s !== "string" || !STATUS.test(s)) return `lists ${JSON.stringify(s)}, which is not a status name (letters, digits, _ or -)`;
  if (new Set(list).size !== list.length) return "lists a status twice";
  return undefined;
}

/** Why a threshold is not one an order amount can be compared with, or undefined (config keys and declarations alike). */
export function thresholdProblem(text: unknown): string | undefined {
  const d = typeof text === "string" ? parseDecimal(text.trim()) : undefined;
  if (d === undefined) return "must be a decimal number such as 100 or 99.95";
  if (d.lt(0)) return "must be 0 or more (an order amount is never negative)";
  // Order amounts are DynamoDB numbers, and the guard compares them with this threshold.
  const dynamo = dynamoNumberProblem(d);
  if (dynamo?.kind === "digits") return `has ${dynamo.significant} significant digits; order amounts are DynamoDB numbers, which have at most ${MAX_SIGNIFICANT_DIGITS}`;
  if (dynamo?.kind === "range") {
    return (
      `must be 0 or within DynamoDB's number range, ${DYNAMO_NUMBER_RANGE}` +
      (d.gt(1) ? ": no order amount can be above it, so the route would never process an order" : ": order amounts are DynamoDB numbers")
    );
  }
  return undefined;
}

/** Every problem of a declaration list (routing/routes.ts), each naming the route and field. */
export function declarationProblems(declarations: readonly RouteDeclaration[]): string[] {
  const problems: string[] = [];
  const at = (d: RouteDeclaration, i: number) => `route ${typeof d?.name === "string" && d.name ? d.name : `#${i + 1}`} in routing/routes.ts`;
  if (!Array.isArray(declarations) || declarations.length === 0) return ["routing/routes.ts declares no route; declare at least one"];
  const names = new Map<string, number>();
  declarations.forEach((d, i) => {
    const where = at(d, i);
    if (typeof d.name !== "string" || !NAME.test(d.name)) {
      problems.push(`${where}: name ${JSON.stringify(d.name)} must be lowerCamelCase letters and digits, at most 24 characters (it names config keys and AWS resources)`);
    } else if (RESERVED_ROUTE_NAMES.includes(d.name)) {
      problems.push(`${where}: the name ${d.name} is taken by a stack output (${RESERVED_ROUTE_NAMES.join(", ")}); choose another`);
    } else {
      const folded = d.name.toLowerCase();
      if (names.has(folded)) problems.push(`${where}: the name is used twice (names must differ in more than case: they name AWS resources)`);
      names.set(folded, i);
    }
    const changes: readonly string[] = Array.isArray(d.changes) ? d.changes : [];
    if (changes.length === 0 || changes.some((c) => !(STREAM_CHANGES as readonly string[]).includes(c)) || new Set(changes).size !== changes.length) {
      problems.push(
        `${where}: changes ${JSON.stringify(d.changes)} must list INSERT, MODIFY or both` +
          (changes.includes("REMOVE") ? " (a REMOVE carries no new image, so no new status to route on)" : ""),
      );
    }
    const statuses = statusListProblem(declaredDefault(d.statuses));
    if (statuses) problems.push(`${where}: statuses ${statuses}`);
    if (d.previousStatuses !== undefined) {
      const previous = statusListProblem(declaredDefault(d.previousStatuses));
      if (previous) problems.push(`${where}: previousStatuses ${previous}`);
      if (changes.length !== 1 || changes[0] !== "MODIFY") {
        problems.push(`${where}: previousStatuses needs changes: ["MODIFY"] (only a MODIFY has an old image with a status to change from)`);
      }
    }
    if (d.amount !== "any") {
      const threshold = typeof d.amount === "object" && d.amount !== null ? ("above" in d.amount ? d.amount.above : "atLeast" in d.amount ? d.amount.atLeast : undefined) : undefined;
      const problem = threshold === undefined ? "must be { above: \"100\" }, { atLeast: \"100\" } or \"any\"" : thresholdProblem(threshold);
      if (problem) problems.push(`${where}: amount ${JSON.stringify(d.amount)} ${problem}`);
    }
    if (typeof declaredDefault(d.excludeTestCustomers) !== "boolean") problems.push(`${where}: excludeTestCustomers must be true or false`);
    if (typeof d.step !== "string" || !STEP.test(d.step)) {
      problems.push(`${where}: step ${JSON.stringify(d.step)} must name a module in handlers/steps/ (letters, digits, _ or -), e.g. "acceptOrder"`);
    }
    if (d.idempotencyKey !== undefined && d.idempotencyKey !== "change" && d.idempotencyKey !== "eventID") {
      problems.push(`${where}: idempotencyKey ${JSON.stringify(d.idempotencyKey)} must be "change" (the order and its status change) or "eventID" (each stream record)`);
    }
    if (d.metrics !== undefined) {
      for (const which of ["count", "amount"] as const) {
        if (typeof d.metrics[which] !== "string" || !METRIC.test(d.metrics[which])) problems.push(`${where}: metrics.${which} ${JSON.stringify(d.metrics[which])} is not a CloudWatch metric name`);
      }
    }
  });
  declarations.forEach((d, i) => {
    if (d.pipe === undefined) return;
    const host = declarations.find((o) => o.name === d.pipe);
    if (!host) problems.push(`${at(d, i)}: pipe ${JSON.stringify(d.pipe)} names no declared route`);
    else if (host === d) problems.push(`${at(d, i)}: pipe names the route itself; leave pipe out for a pipe of its own`);
    else if (host.pipe !== undefined) problems.push(`${at(d, i)}: pipe ${JSON.stringify(d.pipe)} rides on ${host.pipe}'s pipe itself; name ${JSON.stringify(host.pipe)} instead`);
  });
  return problems;
}

// ---------------------------------------------------------------------------------------
// What the pipe filter tests, and what the guard tests.

// With NEW_AND_OLD_IMAGES an INSERT has only a NewImage, a MODIFY both images and a REMOVE
// only an OldImage (DynamoDB developer guide, Streams.html, "StreamViewType"). A filter that
// requires a NewImage status never passes a REMOVE; whether the OldImage has the table's key
// tells INSERT from MODIFY, since an old image is the whole item.
const TABLE_KEY = "orderId";

/** The pipe's filter patterns (one; a pipe ORs up to five), on the `dynamodb` key only. Plain objects, serialized canonically by the caller. */
export function filterPatterns(route: Route): object[] {
  const dynamodb: Record<string, unknown> = { NewImage: { orderStatus: { S: [...route.statuses] } } };
  const insert = route.eventNames.includes("INSERT");
  const modify = route.eventNames.includes("MODIFY");
  if (route.previousStatuses) {
    if (insert) throw new Error(`route ${route.name}: previousStatuses needs changes: ["MODIFY"] (an INSERT has no old image)`);
    dynamodb.OldImage = { orderStatus: { S: [...route.previousStatuses] } };
  } else if (insert !== modify) {
    dynamodb.OldImage = { [TABLE_KEY]: { S: [{ exists: modify }] } };
  }
  return [{ dynamodb }];
}

/** One row of `route explain`: a requirement of the route, where it is enforced, and why there. */
export interface Requirement {
  readonly requirement: string;
  readonly path: string;
  readonly enforcedBy: "pipe filter" | "pipe filter (implied), processor guard" | "processor guard" | "processor validation";
  readonly rule: string;
  readonly why?: string;
}

function impliedBy(route: Route): string {
  if (route.previousStatuses) return "only a MODIFY has both images";
  if (route.eventNames.length === 2) return "a REMOVE has no NewImage";
  return route.eventNames[0] === "MODIFY" ? `the filter requires the OldImage's ${TABLE_KEY}, which only a MODIFY has` : `the filter requires that the OldImage has no ${TABLE_KEY}: an INSERT has no OldImage`;
}

export function amountRuleText(amount: AmountCheck): string {
  return amount.rule === "any" ? "any amount" : `${amount.rule === "above" ? ">" : ">="} ${amount.threshold} (exact decimal)`;
}

export function requirements(route: Route): Requirement[] {
  const rows: Requirement[] = [
    {
      requirement: "Events",
      path: "eventName",
      enforcedBy: "pipe filter (implied), processor guard",
      rule: route.eventNames.join(" or "),
      why: `implied by the images the filter requires (${impliedBy(route)}); checked again by the processor, as a pipe on a DynamoDB stream filters only on the dynamodb key`,
    },
    { requirement: "Status", path: "dynamodb.NewImage.orderStatus.S", enforcedBy: "pipe filter", rule: route.statuses.join(" or ") },
  ];
  if (route.previousStatuses) {
    rows.push({ requirement: "Status change", path: "dynamodb.OldImage.orderStatus.S", enforcedBy: "pipe filter", rule: route.previousStatuses.join(" or ") });
  }
  rows.push({
    requirement: "Well-formed order",
    path: "dynamodb.NewImage.{orderId,orderAmount,customerEmail}",
    enforcedBy: "processor validation",
    rule: "orderId S; orderAmount N, a number >= 0 DynamoDB can store; customerEmail S, name@domain",
    why: "a malformed record is rejected: quarantined whole in the DLQ, so it never blocks its shard",
  });
  if (route.amount.rule !== "any") {
    rows.push({
      requirement: "Amount",
      path: "dynamodb.NewImage.orderAmount.N",
      enforcedBy: "processor guard",
      rule: amountRuleText(route.amount),
      why: "a pipe's numeric filter never matches a DynamoDB number: the stream carries it as a JSON string",
    });
  }
  if (route.excludeTestCustomers) {
    rows.push({
      requirement: "Exclude test customers",
      path: "dynamodb.NewImage.customerEmail.S",
      enforcedBy: "processor guard",
      rule: `domain not ${route.testEmailDomains.join(", ")} nor a subdomain (case-insensitive)`,
      why: "a pipe has no anything-but with suffix, and the intent is case-insensitive and includes subdomains",
    });
  }
  return rows;
}
