import { declarationProblems, type RouteDeclaration, type RouteName, resourceStem } from "./route";

// Which pipe reads the stream for which routes. Every pipe is a reader of each shard of the
// Orders table's stream, and a shard serves at most two: "No more than two processes at most
// should be reading from the same streams shard at the same time. Having more than two
// readers per shard can result in throttling" (DynamoDB developer guide, "Change data capture
// for DynamoDB Streams"); the Streams API's LimitExceededException says the same ("More than 2
// processes are reading from the same streams shard at the same time"). So routes share pipes:
// a route declared with `pipe: "<other route>"` rides on that route's pipe. A shared pipe ORs
// its routes' filter patterns (a pipe takes up to five, aws-facts section 2), invokes one
// processor that runs each record through every route it serves, and keeps one DLQ and one
// retry policy: a record whose step fails on any of its routes is retried whole (the business
// steps are idempotent for that reason). Why not more pipes on Kinesis Data Streams for
// DynamoDB instead: see the README, "More than two routes".

export const READERS_PER_SHARD = 2;
/** "FilterCriteria ... Filters: Maximum number of 5 items" (botocore pipes model; aws-facts section 2). */
export const FILTERS_PER_PIPE = 5;

/** One pipe and what it serves: its processor, DLQ and alarms are named after its first route. */
export interface PipeGroup {
  /** The route the pipe belongs to; it names the pipe's resources. */
  readonly owner: RouteName;
  /** The routes the pipe serves: the owner, then the routes riding on it, in declaration order. */
  readonly routes: readonly RouteName[];
  /** NormalOrders: NormalOrdersPipe, NormalOrdersProcessor, NormalOrders-*-alarm. */
  readonly stem: string;
  readonly pipeResource: string;
  readonly processorResource: string;
}

/** The pipes the declared routes need, in declaration order of their owners. Assumes declarationProblems found nothing. */
export function pipeGroups(declarations: readonly RouteDeclaration[]): PipeGroup[] {
  return declarations
    .filter((d) => d.pipe === undefined)
    .map((owner) => {
      const stem = resourceStem(owner.name);
      return {
        owner: owner.name,
        routes: [owner.name, ...declarations.filter((d) => d.pipe === owner.name).map((d) => d.name)],
        stem,
        pipeResource: `${stem}Pipe`,
        processorResource: `${stem}Processor`,
      };
    });
}

/** Why these pipes cannot deploy on one stream: more readers per shard than AWS serves, or too many filters on a pipe. */
export function pipeProblems(groups: readonly PipeGroup[]): string[] {
  const problems: string[] = [];
  if (groups.length > READERS_PER_SHARD) {
    const riders = groups.slice(READERS_PER_SHARD).map((g) => g.owner);
    const hosts = groups.slice(0, READERS_PER_SHARD).map((g) => JSON.stringify(g.owner)).join(" or ");
    problems.push(
      `routing/routes.ts: ${groups.length} pipes would read each shard of the Orders stream (${groups.map((g) => g.pipeResource).join(", ")}), ` +
        `but a DynamoDB stream shard serves at most ${READERS_PER_SHARD} readers at once; more are throttled ("No more than two processes at most should be reading ` +
        `from the same streams shard at the same time", DynamoDB developer guide, Change data capture for DynamoDB Streams). ` +
        `Let ${riders.map((r) => `route ${r}`).join(" and ")} share a pipe: add pipe: ${hosts} to ${riders.length > 1 ? "their declarations" : "its declaration"}`,
    );
  }
  for (const g of groups) {
    if (g.routes.length > FILTERS_PER_PIPE) {
      problems.push(
        `routing/routes.ts: the pipe of route ${g.owner} would serve ${g.routes.length} routes (${g.routes.join(", ")}), one filter pattern each, ` +
          `but a pipe takes at most ${FILTERS_PER_PIPE} filter patterns; move a route to the other pipe (at most ${READERS_PER_SHARD * FILTERS_PER_PIPE} routes on one stream; see the README, "More than two routes")`,
      );
    }
  }
  return problems;
}

/** The pipe serving `route`. */
export function pipeOf(groups: readonly PipeGroup[], route: RouteName): PipeGroup {
  const group = groups.find((g) => g.routes.includes(route));
  if (!group) throw new Error(`no pipe serves route ${route}`);
  return group;
}

/** The declared routes, or an error listing every problem of the declaration and its pipes. */
export function checkDeclarations(declarations: readonly RouteDeclaration[]): PipeGroup[] {
  const problems = declarationProblems(declarations);
  const groups = problems.length === 0 ? pipeGroups(declarations) : [];
  problems.push(...pipeProblems(groups));
  if (problems.length > 0) throw new RouteDeclarationError(problems);
  return groups;
}

export class RouteDeclarationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid route declaration:\n  - ${problems.join("\n  - ")}`);
    this.name = "RouteDeclarationError";
  }
}
