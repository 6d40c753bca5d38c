// A route is what one pipe + processor pair handles. Both routes are written once, here, from
// the stack's settings; the pipe's filter pattern, the processor's guard, the `route` command
// and the local run are all derived from this one definition.
//
// The split follows what a pipe can evaluate (shared/aws-facts.md sections 2 to 4 and 10):
// - the filter tests only statuses, and only under the record's `dynamodb` key: "DynamoDB event
//   source mappings only support filtering on the dynamodb key" (AWS Lambda developer guide,
//   docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html; Pipes poll streams the same
//   way). The event names follow from the images the filter requires (see filterPatterns);
// - the guard tests what a pipe cannot: the event name again, the amount threshold (a DynamoDB
//   number is a string, so `numeric` never matches it) and the test-customer exclusion (a pipe
//   has no "anything-but suffix", and the intent is case-insensitive and includes subdomains).

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

/**
 * The event names a record passing the route's filter can have, from the images the filter
 * requires. With NEW_AND_OLD_IMAGES an INSERT has only a NewImage, a MODIFY both images and a
 * REMOVE only an OldImage (DynamoDB developer guide, Streams.html, "StreamViewType"). The filter
 * always requires a NewImage status (no REMOVE) and, with previousStatuses, an OldImage status
 * too (MODIFY only).
 */
export function impliedEventNames(route: Route): readonly ("INSERT" | "MODIFY")[] {
  return route.previousStatuses ? ["MODIFY"] : ["INSERT", "MODIFY"];
}

/** The pipe's filter patterns (one; a pipe ORs up to five), on the `dynamodb` key only. Plain objects, serialized canonically by the caller. */
export function filterPatterns(route: Route): object[] {
  const implied = impliedEventNames(route);
  if ([...route.eventNames].sort().join() !== [...implied].sort().join()) {
    throw new Error(`route ${route.name}: handles ${route.eventNames.join(" and ")}, but its filter's images imply ${implied.join(" and ")}`);
  }
  const dynamodb: Record<string, unknown> = { NewImage: { orderStatus: { S: [...route.statuses] } } };
  if (route.previousStatuses) dynamodb.OldImage = { orderStatus: { S: [...route.previousStatuses] } };
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

export function requirements(route: Route): Requirement[] {
  const rows: Requirement[] = [
    {
      requirement: "Events",
      path: "eventName",
      enforcedBy: "pipe filter (implied), processor guard",
      rule: route.eventNames.join(" or "),
      why:
        `implied by the images the filter requires (${route.previousStatuses ? "only a MODIFY has both images" : "a REMOVE has no NewImage"}); ` +
        "checked again by the processor, as a pipe on a DynamoDB stream filters only on the dynamodb key",
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
  rows.push({
    requirement: "Amount",
    path: "dynamodb.NewImage.orderAmount.N",
    enforcedBy: "processor guard",
    rule: `> ${route.minAmount} (exact decimal)`,
    why: "a pipe's numeric filter never matches a DynamoDB number: the stream carries it as a JSON string",
  });
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
