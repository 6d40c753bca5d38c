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

  constructor(args: string[], env: NodeJS.ProcessEnv = process.env, project = PROJECT) {
    this.child = spawn(process.execPath, [path.join(project, "cli", "bin.js"), ...args], { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] });
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

/** A process's command line (Linux /proc), or undefined once it is gone. */
function commandLine(pid: number | string): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return undefined;
  }
}

/**
 * PIDs of DynamoDB Local JVMs serving `port` (Linux /proc): the port on 127.0.0.1 that the
 * JVM's command line names (-Dorders.local.port=, local/dynamoLocal.ts), or its -port where
 * it names none.
 */
export function javaOnPort(port: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const args = commandLine(entry);
    if (!args) continue; // gone meanwhile
    const isJava = args[0] === "java" || args[0].endsWith("/java");
    // `-jar .../DynamoDBLocal.jar`, or its copy first on `-cp` (local/jvmArchive.ts).
    if (!isJava || !args.some((a) => a.split(":").some((p) => p.endsWith("/DynamoDBLocal.jar")))) continue;
    const marker = args.find((a) => a.startsWith("-Dorders.local.port="));
    const served = marker ? marker.slice("-Dorders.local.port=".length) : args[args.indexOf("-port") + 1];
    if (served === String(port)) found.push(Number(entry));
  }
  return found;
}

/** The processes started by `pid`, its children's children included (Linux /proc). */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) {
      if (parent === p) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}

/** The process among `pids` whose command line contains `part`. */
export function findProcess(pids: readonly number[], part: string): number | undefined {
  return pids.find((pid) => commandLine(pid)?.some((a) => a.includes(part)));
}

/**
 * The TCP sockets in LISTEN state that the processes `pids` hold, as this machine's network
 * (the test's network namespace) sees them: `address:port` (IPv4 or IPv6, from /proc/net/tcp
 * and tcp6). A socket of a process in a network namespace of its own is not among them.
 */
export function listeningSockets(pids: readonly number[]): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {
        // closed meanwhile
      }
    }
  }
  const out: string[] = [];
  for (const file of ["/proc/self/net/tcp", "/proc/self/net/tcp6"]) {
    for (const line of fs.readFileSync(file, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== "0A" || !inodes.has(f[9])) continue; // 0A: LISTEN
      const [hex, port] = f[1].split(":");
      out.push(`${hexAddress(hex)}:${parseInt(port, 16)}`);
    }
  }
  return out;
}

/** /proc/net/tcp's address: 4 bytes (IPv4) or 16 (IPv6), each 32-bit word in host (little-endian) order. */
function hexAddress(hex: string): string {
  const words = hex.match(/.{8}/g) as string[];
  const bytes = words.flatMap((w) => (w.match(/../g) as string[]).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join(".");
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return bytes.slice(12).join("."); // ::ffff:a.b.c.d
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
  return `[${groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::")}]`;
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

/**
 * For a describe block: starts `orders-pipeline` processes, each killed after its test (an
 * afterEach registered here, so it runs before any hook the block registers later).
 */
export function cliProcesses(): (args: string[], env?: NodeJS.ProcessEnv) => CliProcess {
  const started: CliProcess[] = [];
  afterEach(async () => {
    for (const p of started.splice(0)) await p.kill();
  });
  return (args, env) => {
    const p = new CliProcess(args, env);
    started.push(p);
    return p;
  };
}
