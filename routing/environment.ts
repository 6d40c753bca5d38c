import { ROUTE_NAMES, type Route, type RouteName } from "./route";

// The processor learns its route from environment variables set by the Pulumi program, so the
// deployed guard is built from the same definition as the deployed filter. Plain variables
// (not one JSON blob) so an operator can read them in the Lambda console.

export const ENV = {
  route: "ORDERS_ROUTE",
  eventNames: "ORDERS_EVENT_NAMES",
  statuses: "ORDERS_STATUSES",
  previousStatuses: "ORDERS_PREVIOUS_STATUSES",
  minAmount: "ORDERS_MIN_AMOUNT",
  excludeTestCustomers: "ORDERS_EXCLUDE_TEST_CUSTOMERS",
  testEmailDomains: "ORDERS_TEST_EMAIL_DOMAINS",
} as const;

export function routeToEnvironment(route: Route): Record<string, string> {
  const env: Record<string, string> = {
    [ENV.route]: route.name,
    [ENV.eventNames]: route.eventNames.join(","),
    [ENV.statuses]: route.statuses.join(","),
    [ENV.minAmount]: route.minAmount,
    [ENV.excludeTestCustomers]: String(route.excludeTestCustomers),
    [ENV.testEmailDomains]: route.testEmailDomains.join(","),
  };
  if (route.previousStatuses) env[ENV.previousStatuses] = route.previousStatuses.join(",");
  return env;
}

/** Rebuilds the route; throws naming the variable if one is missing or wrong. */
export function routeFromEnvironment(env: Readonly<Record<string, string | undefined>>): Route {
  const need = (key: string): string => {
    const v = env[key];
    if (v === undefined || v.trim() === "") throw new Error(`environment variable ${key} is not set`);
    return v.trim();
  };
  const list = (key: string) => need(key).split(",").map((s) => s.trim()).filter((s) => s !== "");
  const name = need(ENV.route);
  if (!(ROUTE_NAMES as readonly string[]).includes(name)) {
    throw new Error(`environment variable ${ENV.route} is ${JSON.stringify(name)}; expected ${ROUTE_NAMES.join(" or ")}`);
  }
  const eventNames = list(ENV.eventNames);
  for (const e of eventNames) {
    if (e !== "INSERT" && e !== "MODIFY") throw new Error(`environment variable ${ENV.eventNames} lists ${e}; expected INSERT or MODIFY`);
  }
  const exclude = need(ENV.excludeTestCustomers);
  if (exclude !== "true" && exclude !== "false") {
    throw new Error(`environment variable ${ENV.excludeTestCustomers} is ${JSON.stringify(exclude)}; expected true or false`);
  }
  const route: Route = {
    name: name as RouteName,
    eventNames: eventNames as ("INSERT" | "MODIFY")[],
    statuses: list(ENV.statuses),
    minAmount: need(ENV.minAmount),
    excludeTestCustomers: exclude === "true",
    testEmailDomains: exclude === "true" ? list(ENV.testEmailDomains) : (env[ENV.testEmailDomains] ?? "").split(",").filter((s) => s),
  };
  return env[ENV.previousStatuses] ? { ...route, previousStatuses: list(ENV.previousStatuses) } : route;
}
