// A route is what one pipe + processor pair handles. Both routes are written once, here, from
// the stack's settings; the pipe's filter pattern, the processor's guard, the `route` command
// and the local run are all derived from this one definition.
//
// The split follows what a pipe can evaluate (shared/aws-facts.md sections 2 to 4):
// - the filter tests only event name and statuses (strings, matched exactly);
// - the guard tests what a pipe cannot: the amount threshold (a DynamoDB number is a string,
//   so `numeric` never matches it) and the test-customer exclusion (a pipe has no
//   "anything-but suffix", and the intent is case-insensitive and includes subdomains).

export const ROUTE_NAMES = ["normal", "premium"] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface Route {
  readonly name: RouteName;
  /** Stream event names the route handles. */
  readonly eventNames: readonly ("INSERT" | "MODIFY")[];
  /** The new image's orderStatus must be one of these. */
  readonly statuses: readonly string[];
  /** If set, the old image's orderStatus must be one of these (a status change). */
  readonly previousStatuses?: readonly string[];
  /** Amount (new image) must be strictly greater than this exact decimal. */
  readonly minAmount: string;
  /** Leave out customers at these domains or their subdomains (case-insensitive). */
  readonly excludeTestCustomers: boolean;
  readonly testEmailDomains: readonly string[];
}

/** The stack settings that shape the routes (config keys orders:<name>). */
export interface RouteSettings {
  /** Normal route: amounts strictly above this pass (exact decimal text). */
  readonly normalMinAmount: string;
  /** Premium route: amounts strictly above this pass (exact decimal text). */
  readonly premiumMinAmount: string;
  /** Normal route: the order statuses it handles. */
  readonly normalStatuses: readonly string[];
  /** Customers whose address is at one of these domains (or a subdomain) are test customers. */
  readonly testEmailDomains: readonly string[];
  /** Whether the premium route also leaves out test customers (the seed does not). */
  readonly premiumExcludesTestCustomers: boolean;
}

export function routesFromSettings(s: RouteSettings): Record<RouteName, Route> {
  return {
    normal: {
      name: "normal",
      eventNames: ["INSERT", "MODIFY"],
      statuses: s.normalStatuses,
      minAmount: s.normalMinAmount,
      excludeTestCustomers: true,
      testEmailDomains: s.testEmailDomains,
    },
    premium: {
      name: "premium",
      eventNames: ["MODIFY"],
      statuses: ["shipped"],
      previousStatuses: ["pending"],
      minAmount: s.premiumMinAmount,
      excludeTestCustomers: s.premiumExcludesTestCustomers,
      testEmailDomains: s.testEmailDomains,
    },
  };
}

/** The pipe's filter patterns (one; a pipe ORs up to five). Plain objects, serialized canonically by the caller. */
export function filterPatterns(route: Route): object[] {
  const images: Record<string, unknown> = { NewImage: { orderStatus: { S: [...route.statuses] } } };
  if (route.previousStatuses) images.OldImage = { orderStatus: { S: [...route.previousStatuses] } };
  return [{ eventName: [...route.eventNames], dynamodb: images }];
}

/** One row of `route explain`: a requirement of the route and where it is enforced. */
export interface Requirement {
  readonly requirement: string;
  readonly path: string;
  readonly enforcedBy: "pipe filter" | "processor guard" | "processor validation";
  readonly rule: string;
}

export function requirements(route: Route): Requirement[] {
  const rows: Requirement[] = [
    { requirement: "Events", path: "eventName", enforcedBy: "pipe filter", rule: route.eventNames.join(" or ") },
    {
      requirement: "Status",
      path: "dynamodb.NewImage.orderStatus.S",
      enforcedBy: "pipe filter",
      rule: route.statuses.join(" or "),
    },
  ];
  if (route.previousStatuses) {
    rows.push({
      requirement: "Status change",
      path: "dynamodb.OldImage.orderStatus.S",
      enforcedBy: "pipe filter",
      rule: route.previousStatuses.join(" or "),
    });
  }
  rows.push({
    requirement: "Well-formed order",
    path: "dynamodb.NewImage.{orderId,orderAmount,customerEmail}",
    enforcedBy: "processor validation",
    rule: "orderId S, orderAmount N finite >= 0, customerEmail S with @domain; else rejected to the DLQ",
  });
  rows.push({
    requirement: "Amount",
    path: "dynamodb.NewImage.orderAmount.N",
    enforcedBy: "processor guard",
    rule: `> ${route.minAmount} (exact decimal; a pipe's numeric filter never matches a DynamoDB N string)`,
  });
  if (route.excludeTestCustomers) {
    rows.push({
      requirement: "Exclude test customers",
      path: "dynamodb.NewImage.customerEmail.S",
      enforcedBy: "processor guard",
      rule: `domain not ${route.testEmailDomains.join(", ")} nor a subdomain (case-insensitive; pipes lack anything-but+suffix)`,
    });
  }
  return rows;
}
