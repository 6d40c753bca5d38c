import { DeleteItemCommand, type DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { heartbeatOf, parseHeartbeatCron, SILENT_PERIODS } from "../routing/heartbeat";
import type { DeclaredResource } from "./evaluateProgram";

// The canary, run locally: exactly the schedules the program declares (infra/canary.ts), read
// off the evaluated resources like the pipes are, their requests sent to DynamoDB Local. Each
// round runs every declared schedule once, in the order they fire over one period starting just
// after minute 0: the prepare writes (half a period in) before the beats (minute 0 of the next
// period), as on AWS. A round runs when the pipes are ready, then every period. Context
// attributes in a request are replaced as Scheduler replaces them
// (managing-schedule-context-attributes); the scheduled time is the round's, to the millisecond,
// so two rounds never write the same item twice.
//
// What the local runtime adds, in place of the heartbeat alarm: a route whose heartbeat has not
// been seen for SILENT_PERIODS rounds is reported once (canary.silent), until it is seen again.

/** One declared schedule the local runtime can run: a DynamoDB API call. */
export interface LocalSchedule {
  readonly name: string;
  readonly group: string;
  /** The DynamoDB API action (putItem, deleteItem, updateItem). */
  readonly action: string;
  /** The request, as declared (context attributes not yet replaced). */
  readonly request: string;
  readonly periodMinutes: number;
  readonly offsetMinutes: number;
  /** The route whose heartbeat item it writes, if any. */
  readonly route?: string;
}

export interface CanaryPlan {
  readonly schedules: readonly LocalSchedule[];
  /** The period of the schedules (they share one). */
  readonly periodMinutes: number;
  /** The routes that have a heartbeat. */
  readonly routes: readonly string[];
}

const UNIVERSAL_DYNAMODB = /^arn:[a-z-]+:scheduler:::aws-sdk:dynamodb:([a-zA-Z]+)$/;
const COMMANDS = { putItem: PutItemCommand, deleteItem: DeleteItemCommand, updateItem: UpdateItemCommand } as const;

/** The declared DynamoDB schedules (the canary's), or undefined when there are none. Throws naming a schedule it cannot run. */
export function canaryPlanFromDeclared(resources: readonly DeclaredResource[]): CanaryPlan | undefined {
  const schedules: LocalSchedule[] = [];
  for (const r of resources.filter((x) => x.type === "aws:scheduler/schedule:Schedule")) {
    const s = r.state;
    const target = UNIVERSAL_DYNAMODB.exec(String(s.target?.arn ?? ""));
    if (!target) continue; // a schedule of another kind: not the canary's, not run locally
    const action = target[1];
    if (!(action in COMMANDS)) throw new Error(`schedule ${r.name} calls dynamodb:${action}; the local runtime runs ${Object.keys(COMMANDS).join(", ")}`);
    const when = parseHeartbeatCron(String(s.scheduleExpression));
    if (!when) throw new Error(`schedule ${r.name} runs on ${s.scheduleExpression}; the local runtime runs cron(M/P * * * ? *) and cron(M * * * ? *)`);
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(String(s.target.input));
    } catch {
      throw new Error(`schedule ${r.name}: its input is not JSON (${String(s.target.input).slice(0, 80)})`);
    }
    const key = (request.Item ?? request.Key) as Record<string, unknown> | undefined;
    const route = heartbeatOf({ dynamodb: { Keys: key } })?.route;
    schedules.push({ name: String(s.name ?? r.name), group: String(s.groupName ?? "default"), action, request: String(s.target.input), ...when, route });
  }
  if (schedules.length === 0) return undefined;
  const periods = new Set(schedules.map((s) => s.periodMinutes));
  if (periods.size > 1) throw new Error(`the declared schedules run every ${[...periods].join(" and ")} minutes; the local canary runs one period`);
  const periodMinutes = schedules[0].periodMinutes;
  // The order they fire over one period, starting just after minute 0.
  const order = (s: LocalSchedule) => (s.offsetMinutes - 1 + periodMinutes) % periodMinutes;
  return { schedules: [...schedules].sort((a, b) => order(a) - order(b)), periodMinutes, routes: [...new Set(schedules.flatMap((s) => (s.route ? [s.route] : [])))] };
}

/** A request with Scheduler's context attributes replaced, in every string of it. */
export function withContextAttributes(request: string, values: { scheduledTime: string; scheduleArn: string; executionId: string }): Record<string, unknown> {
  const replace = (v: unknown): unknown => {
    if (typeof v === "string") {
      return v
        .replaceAll("<aws.scheduler.scheduled-time>", values.scheduledTime)
        .replaceAll("<aws.scheduler.schedule-arn>", values.scheduleArn)
        .replaceAll("<aws.scheduler.execution-id>", values.executionId)
        .replaceAll("<aws.scheduler.attempt-number>", "1");
    }
    if (Array.isArray(v)) return v.map(replace);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replace(x)]));
    return v;
  };
  return replace(JSON.parse(request)) as Record<string, unknown>;
}

export interface LocalCanaryDeps {
  readonly dynamo: DynamoDBClient;
  /** Time between rounds; default the declared period. */
  readonly periodMs?: number;
  /** A heartbeat write started at `at` and made a stream record (for write → processed latency). */
  readonly onWrite?: (orderId: string, at: number) => void;
  readonly onEvent?: (event: string, detail: Record<string, unknown>) => void;
}

export class LocalCanary {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private rounds = 0;
  /** Per route: the round in which its heartbeat was last seen (0: never). */
  private readonly seenInRound = new Map<string, number>();
  private readonly silent = new Set<string>();

  constructor(
    readonly plan: CanaryPlan,
    private readonly deps: LocalCanaryDeps,
  ) {}

  get periodMs(): number {
    return this.deps.periodMs ?? this.plan.periodMinutes * 60_000;
  }

  /** Rounds started so far. */
  get roundsRun(): number {
    return this.rounds;
  }

  /** Runs a round now, then one every period, until stop(). */
  start(): Promise<void> {
    const first = this.runRound();
    this.timer = setInterval(() => void this.runRound(), this.periodMs);
    this.timer.unref();
    return first;
  }

  /** A route's heartbeat reached its processor. */
  seen(route: string): void {
    this.seenInRound.set(route, this.rounds);
    if (this.silent.delete(route)) this.deps.onEvent?.("canary.back", { route });
  }

  /** Runs every declared schedule once, in firing order. */
  runRound(): Promise<void> {
    if (this.stopped || this.running) return this.running ?? Promise.resolve();
    this.running = (async () => {
      this.rounds++;
      this.checkSilence();
      const scheduledTime = new Date().toISOString();
      for (const s of this.plan.schedules) {
        if (this.stopped) break;
        const request = withContextAttributes(s.request, {
          scheduledTime,
          scheduleArn: `arn:aws:scheduler:local:000000000000:schedule/${s.group}/${s.name}`,
          executionId: `local-${this.rounds}-${s.name}`,
        });
        // The request is the API's own input shape (the Input of a universal target is the request).
        const Command = COMMANDS[s.action as keyof typeof COMMANDS] as unknown as new (input: Record<string, unknown>) => PutItemCommand;
        const at = Date.now();
        try {
          // A delete reports what it deleted: deleting nothing makes no stream record to match.
          const out = await this.deps.dynamo.send(new Command({ ...request, ...(s.action === "deleteItem" ? { ReturnValues: "ALL_OLD" } : {}) }));
          const madeRecord = s.action !== "deleteItem" || (out as { Attributes?: unknown }).Attributes !== undefined;
          const key = ((request.Item ?? request.Key) as { orderId?: { S?: string } } | undefined)?.orderId?.S;
          if (madeRecord && key) this.deps.onWrite?.(key, at);
        } catch (err) {
          if (!this.stopped) this.deps.onEvent?.("canary.error", { schedule: `${s.group}/${s.name}`, error: (err as Error).message });
        }
      }
      if (!this.stopped) this.deps.onEvent?.("canary.round", { round: this.rounds, schedules: this.plan.schedules.length });
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** The local heartbeat alarm: a route unseen for SILENT_PERIODS rounds is said once. */
  private checkSilence(): void {
    for (const route of this.plan.routes) {
      const last = this.seenInRound.get(route) ?? 0;
      // Its heartbeat of round r is written in round r; rounds r+1.. have passed without it.
      const missed = this.rounds - 1 - last;
      if (missed >= SILENT_PERIODS && !this.silent.has(route)) {
        this.silent.add(route);
        this.deps.onEvent?.("canary.silent", { route, rounds: missed, minutes: Math.round((missed * this.periodMs) / 60000) });
      }
    }
  }

  /** No round starts after this; a write in flight is not waited for (its DynamoDB may be gone or frozen), and says nothing more. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }
}
