import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_DIR } from "../config/stackFile";
import { writeWhole } from "./writeWhole";

// Where a running `local --watch` tells other commands (`dlq --local`) how to reach it: one
// file per stack, owned by the process that wrote it. A stack runs at most once: the file is
// claimed atomically before anything starts, a second start is refused while the owner
// lives, and a file whose owner died without cleaning up (kill -9, a crash) is detected by
// its pid and removed.

/** `.orders-local/` in the project; ORDERS_LOCAL_STATE_DIR moves it (every command of a session must agree: the test runner gives each worker its own). */
export const LOCAL_STATE_DIR = process.env.ORDERS_LOCAL_STATE_DIR ? path.resolve(process.env.ORDERS_LOCAL_STATE_DIR) : path.join(PROJECT_DIR, ".orders-local");

export interface LocalState {
  readonly stack: string;
  readonly pid: number;
  /** When the owner process started (Linux: /proc/<pid>/stat), to tell it from a later process given the same pid. */
  readonly pidStartedAt?: string;
  readonly startedAt: string;
  /** "starting" until the stack answers; then the endpoints are set. */
  readonly status: "starting" | "ready";
  readonly dynamodbEndpoint?: string;
  readonly sqsEndpoint?: string;
  readonly tableName?: string;
  readonly streamArn?: string;
  /** Where `dlq redrive --local` tells the watch what it redrove (redriveLog.ts). */
  readonly redriveLog?: string;
}

export const stateFileOf = (stack: string, dir = LOCAL_STATE_DIR) => path.join(dir, `${stack}.json`);
export const redriveLogOf = (stack: string, dir = LOCAL_STATE_DIR) => path.join(dir, `${stack}.redrives.jsonl`);

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), where /proc exists. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Whether a process is stopped (Ctrl-Z, SIGSTOP: state T in /proc/<pid>/stat), where /proc exists. */
export function isStopped(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return /^[Tt]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]);
  } catch {
    return false;
  }
}

/** Whether the process that wrote `state` still runs (not merely a process with its pid). */
function ownerAlive(state: LocalState): boolean {
  if (!(state.pid > 0 && isAlive(state.pid))) return false;
  const now = state.pidStartedAt === undefined ? undefined : processStart(state.pid);
  return now === undefined || now === state.pidStartedAt;
}

export type StateLookup =
  | { readonly kind: "none" }
  /** The owner died without removing its file; the file has been removed now. */
  | { readonly kind: "stale"; readonly state: LocalState }
  | { readonly kind: "running"; readonly state: LocalState };

function readState(file: string): LocalState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as LocalState;
    if (typeof state?.pid === "number") return state;
  } catch {
    // written half by a process that died mid-write: as good as stale
  }
  return { stack: path.basename(file, ".json"), pid: 0, startedAt: "", status: "starting" };
}

/** The stack's state, if a live process owns it; a dead owner's file is removed. */
export function lookupState(stack: string, dir = LOCAL_STATE_DIR): StateLookup {
  const file = stateFileOf(stack, dir);
  const state = readState(file);
  if (!state) return { kind: "none" };
  if (ownerAlive(state)) return { kind: "running", state };
  fs.rmSync(file, { force: true });
  return { kind: "stale", state };
}

export class StackAlreadyRunning extends Error {
  constructor(readonly state: LocalState) {
    super(
      `local stack ${state.stack} is already running (pid ${state.pid}${state.dynamodbEndpoint ? `, DynamoDB Local at ${state.dynamodbEndpoint}` : ", starting"}${state.startedAt ? `, since ${state.startedAt}` : ""}): ` +
        `stop it first (Ctrl-C in its terminal), or run another stack with --stack`,
    );
  }
}

/** This process's hold on a stack's state file; released on exit however the process exits (short of being killed). */
export class StateClaim {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly file: string,
    private state: LocalState,
  ) {
    process.on("exit", this.onExit);
  }

  /** Claims `stack` for this process; throws StackAlreadyRunning while another live process holds it. */
  static claim(stack: string, dir = LOCAL_STATE_DIR): StateClaim {
    fs.mkdirSync(dir, { recursive: true });
    const file = stateFileOf(stack, dir);
    const state: LocalState = { stack, pid: process.pid, pidStartedAt: processStart(process.pid), startedAt: new Date().toISOString(), status: "starting" };
    // Written whole to a file of our own, then linked to the state file's name: link fails if
    // the name exists, so of two processes starting at the same moment exactly one gets it,
    // and no reader ever sees a half-written file.
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          fs.linkSync(tmp, file);
          return new StateClaim(file, state);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) throw err;
          const found = lookupState(stack, dir);
          if (found.kind === "running") throw new StackAlreadyRunning(found.state);
          // stale (now removed) or gone meanwhile: try once more
        }
      }
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  /** Publishes the running stack's endpoints (replaced atomically: a reader never sees half a file). */
  ready(endpoints: Required<Pick<LocalState, "dynamodbEndpoint" | "sqsEndpoint" | "tableName" | "streamArn" | "redriveLog">>): void {
    this.state = { ...this.state, ...endpoints, status: "ready" };
    writeWhole(this.file, `${JSON.stringify(this.state, null, 2)}\n`);
  }

  /** Removes the file if it is still this process's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off("exit", this.onExit);
    if (readState(this.file)?.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}
