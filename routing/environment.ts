import { type AmountCheck, type Route, STREAM_CHANGES, type StreamChange, upperSnake } from "./route";

// A processor learns its routes from environment variables set by the Pulumi program, so the
// deployed guard is built from the same definition as the deployed filter. Plain variables
// (not one JSON blob) so an operator can read them in the Lambda console:
//
//   one route:      ORDERS_ROUTE=normal, ORDERS_STATUSES=pending,shipped, ORDERS_MIN_AMOUNT=100, ...
//   several routes: ORDERS_ROUTE=normal,refunds, ORDERS_NORMAL_STATUSES=..., ORDERS_REFUNDS_STATUSES=..., ...
//
// The test domains are the stack's, shared by every route: ORDERS_TEST_EMAIL_DOMAINS.

export const ENV = {
  route: "ORDERS_ROUTE",
  testEmailDomains: "ORDERS_TEST_EMAIL_DOMAINS",
} as const;

/** Per-route variables, after the route's prefix (ORDERS_ or ORDERS_<ROUTE>_). */
const FIELD = {
  eventNames: "EVENT_NAMES",
  statuses: "STATUSES",
  previousStatuses: "PREVIOUS_STATUSES",
  /** above (when unset; the seed's rule), atLeast or any. */
  amountRule: "AMOUNT_RULE",
  minAmount: "MIN_AMOUNT",
  excludeTestCustomers: "EXCLUDE_TEST_CUSTOMERS",
  /** change (when unset) or eventID. */
  idempotencyKey: "IDEMPOTENCY_KEY",
} as const;

function prefixOf(route: string, shared: boolean): string {
  return shared ? `ORDERS_${upperSnake(route)}_` : "ORDERS_";
}

/** The variables of the routes one processor serves (in the order given). */
export function routesToEnvironment(routes: readonly Route[]): Record<string, string> {
  if (routes.length === 0) throw new Error("a processor serves at least one route");
  const shared = routes.length > 1;
  const env: Record<string, string> = { [ENV.route]: routes.map((r) => r.name).join(",") };
  for (const route of routes) {
    const p = prefixOf(route.name, shared);
    env[p + FIELD.eventNames] = route.eventNames.join(",");
    env[p + FIELD.statuses] = route.statuses.join(",");
    if (route.amount.rule !== "above") env[p + FIELD.amountRule] = route.amount.rule;
    if (route.amount.rule !== "any") env[p + FIELD.minAmount] = route.amount.threshold;
    env[p + FIELD.excludeTestCustomers] = String(route.excludeTestCustomers);
    if (route.previousStatuses) env[p + FIELD.previousStatuses] = route.previousStatuses.join(",");
    if (route.idempotencyKey && route.idempotencyKey !== "change") env[p + FIELD.idempotencyKey] = route.idempotencyKey;
  }
  env[ENV.testEmailDomains] = routes[0].testEmailDomains.join(",");
  return env;
}

/** The route names a processor's environment lists (ORDERS_ROUTE), without reading the rest. */
export function routeNamesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  return (env[ENV.route] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** Rebuilds the routes; throws naming the variable if one is missing or wrong. */
export function routesFromEnvironment(env: Readonly<Record<string, string | undefined>>): Route[] {
  const need = (key: string): string => {
    const v = env[key];
    if (v === undefined || v.trim() === "") throw new Error(`environment variable ${key} is not set`);
    return v.trim();
  };
  const list = (key: string) => need(key).split(",").map((s) => s.trim()).filter((s) => s !== "");
  const names = routeNamesOf(env);
  if (names.length === 0) throw new Error(`environment variable ${ENV.route} is not set`);
  if (new Set(names).size !== names.length) throw new Error(`environment variable ${ENV.route} lists a route twice: ${env[ENV.route]}`);
  const domains = (env[ENV.testEmailDomains] ?? "").split(",").map((s) => s.trim()).filter((s) => s !== "");
  const shared = names.length > 1;
  return names.map((name): Route => {
    const p = prefixOf(name, shared);
    const eventNames = list(p + FIELD.eventNames);
    for (const e of eventNames) {
      if (!STREAM_CHANGES.includes(e as StreamChange)) throw new Error(`environment variable ${p + FIELD.eventNames} lists ${e}; expected ${STREAM_CHANGES.join(" or ")}`);
    }
    const exclude = need(p + FIELD.excludeTestCustomers);
    if (exclude !== "true" && exclude !== "false") {
      throw new Error(`environment variable ${p + FIELD.excludeTestCustomers} is ${JSON.stringify(exclude)}; expected true or false`);
    }
    if (exclude === "true" && domains.length === 0) throw new Error(`environment variable ${ENV.testEmailDomains} is not set`);
    const rule = env[p + FIELD.amountRule]?.trim() || "above";
    let amount: AmountCheck;
    if (rule === "any") amount = { rule: "any" };
    else if (rule === "above" || rule === "atLeast") amount = { rule, threshold: need(p + FIELD.minAmount) };
    else throw new Error(`environment variable ${p + FIELD.amountRule} is ${JSON.stringify(rule)}; expected above, atLeast or any`);
    const route: Route = {
      name,
      eventNames: eventNames as StreamChange[],
      statuses: list(p + FIELD.statuses),
      amount,
      excludeTestCustomers: exclude === "true",
      testEmailDomains: domains,
    };
    const key = env[p + FIELD.idempotencyKey]?.trim();
    if (key !== undefined && key !== "" && key !== "change" && key !== "eventID") {
      throw new Error(`environment variable ${p + FIELD.idempotencyKey} is ${JSON.stringify(key)}; expected change or eventID`);
    }
    return {
      ...route,
      ...(env[p + FIELD.previousStatuses] ? { previousStatuses: list(p + FIELD.previousStatuses) } : {}),
      ...(key === "eventID" ? { idempotencyKey: key } : {}),
    };
  });
}
