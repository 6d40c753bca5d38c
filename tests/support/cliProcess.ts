import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT } from "./spawn";

// The command as a user runs it, in its own process: `node cli/bin.js ...`, its output
// collected, waited on by markers in the output (never by sleeping), signalled like a user
// would, and always cleaned up.

export class CliProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [path.join(PROJECT, "cli", "bin.js"), ...args], { cwd: PROJECT, stdio: ["ignore", "pipe", "pipe"] });
    this.child.stdout?.on("data", (d) => (this.stdout += d.toString()));
    this.child.stderr?.on("data", (d) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal, at: Date.now() })));
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get output(): string {
    return this.stdout + this.stderr;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for `re` in the output; fails early if the process exits first. */
  async waitFor(re: RegExp, ms = 90000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = this.output.match(re);
      if (m) return m;
      if (!this.running) throw new Error(`the command exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${re}:\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; output so far:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for the exit (failing after `ms`), then returns how it ended. */
  async exit(ms = 60000): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the command did not exit within ${ms} ms:\n${this.output}`)), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** For after-hooks: make sure nothing of it is left running. */
  async kill(): Promise<void> {
    if (this.running) {
      this.child.kill("SIGKILL");
      await this.exited;
    }
  }
}

/** PIDs of DynamoDB Local JVMs listening on `port` (Linux /proc). */
export function javaOnPort(port: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue; // gone meanwhile
    }
    const isJava = args[0] === "java" || args[0].endsWith("/java");
    if (isJava && args.some((a) => a.endsWith("DynamoDBLocal.jar")) && args[args.indexOf("-port") + 1] === String(port)) {
      found.push(Number(entry));
    }
  }
  return found;
}

/** Waits until no JVM listens on `port` any more; returns how long it took, or throws after `ms`. */
export async function waitForNoJava(port: number, ms = 30000): Promise<number> {
  const start = Date.now();
  while (javaOnPort(port).length > 0) {
    if (Date.now() - start > ms) throw new Error(`DynamoDB Local on port ${port} is still running ${ms} ms later (pids ${javaOnPort(port).join(", ")})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - start;
}

/** Last resort for after-hooks: kill any JVM of ours still on `port`. */
export function killJava(port: number): void {
  for (const pid of javaOnPort(port)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
