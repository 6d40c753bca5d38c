import * as fs from "node:fs";
import { getCompileCacheDir } from "node:module";
import * as path from "node:path";
import * as readline from "node:readline";
import { Worker } from "node:worker_threads";
import { projectPath } from "../config/paths";
import { Distribution } from "./distribution";
import { isAlive } from "./localState";

// Runs a processor's bundle locally, the way Lambda runs it: its own environment, one
// invocation at a time, a timeout, and its log lines (Powertools JSON) handed to the caller.

export type InvokeResult = { ok: true; result: unknown } | { ok: false; error: string };

export interface ProcessorHostOptions {
  readonly functionName: string;
  readonly code: string;
  readonly environment: Record<string, string>;
  readonly timeoutMs: number;
  /** Every line the handler writes to stdout (JSON log lines, EMF metrics). */
  readonly onLog?: (line: string) => void;
}

const CACHE_DIR = projectPath("node_modules", ".cache", "orders-local");
/** `<function>-<pid of the process that wrote it>-<ms>.js` */
const BUNDLE_FILE = /^.+-(\d+)-\d+\.js$/;

/**
 * Removes the bundles of processes that are gone. A process removes its own on a normal stop;
 * one killed (kill -9, a crash) cannot, so the next process that runs a bundle does. A file
 * whose pid now belongs to another process is kept until that one ends too.
 */
export function sweepBundles(dir = CACHE_DIR): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(BUNDLE_FILE.exec(name)?.[1]);
    if (pid > 0 && pid !== process.pid && !isAlive(pid)) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/**
 * The directory this process keeps V8's compiled code in (cli/compileCache.js), if it does: the
 * processors keep theirs there too. Node answers with the directory it made for its version
 * inside the one it was given, which is the one to give again.
 */
function hostCompileCache(): string | undefined {
  const dir = getCompileCacheDir();
  return dir === undefined ? undefined : path.dirname(dir);
}

export class ProcessorHost {
  private worker?: Worker;
  private file: string;
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();
  invocations = 0;
  /** Each invocation's duration, measured around the handler call, ms. */
  readonly durations = new Distribution();
  /** Bytes the handler wrote to stdout (log lines and EMF metrics), as CloudWatch Logs would ingest them. */
  logBytes = 0;

  constructor(private readonly opts: ProcessorHostOptions) {
    // Beside node_modules, so the runtime-provided SDK client resolves as it does in Lambda.
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    sweepBundles();
    this.file = path.join(CACHE_DIR, `${opts.functionName}-${process.pid}-${Date.now()}.js`);
    fs.writeFileSync(this.file, opts.code);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(projectPath("local", "processorWorker.js"), {
      env: { ...this.opts.environment },
      workerData: { file: this.file, functionName: this.opts.functionName, timeoutMs: this.opts.timeoutMs, compileCacheDir: hostCompileCache() },
      stdout: true,
      stderr: true,
    });
    const lines = readline.createInterface({ input: worker.stdout });
    lines.on("line", (line) => {
      this.logBytes += Buffer.byteLength(line) + 1;
      this.opts.onLog?.(line);
    });
    readline.createInterface({ input: worker.stderr }).on("line", (line) => this.opts.onLog?.(line));
    worker.on("error", () => {
      if (this.worker === worker) this.worker = undefined;
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** Invokes the handler with `payload`; invocations are serialized, as a pipe does per shard. */
  invoke(payload: unknown): Promise<InvokeResult> {
    const run = this.queue.then(() => this.invokeNow(payload));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private invokeNow(payload: unknown): Promise<InvokeResult> {
    if (this.stopped) return Promise.resolve({ ok: false, error: "the execution environment was stopped" });
    const worker = this.start();
    const id = this.nextId++;
    this.invocations++;
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        cleanup();
        this.durations.add(this.opts.timeoutMs);
        // A timed-out Lambda's environment is discarded.
        void worker.terminate();
        this.worker = undefined;
        resolve({ ok: false, error: `Task timed out after ${this.opts.timeoutMs / 1000} seconds` });
      }, this.opts.timeoutMs);
      const onMessage = (msg: { id: number; durationMs?: number } & InvokeResult) => {
        if (msg.id !== id) return;
        cleanup();
        if (msg.durationMs !== undefined) this.durations.add(msg.durationMs);
        resolve(msg.ok ? { ok: true, result: msg.result } : { ok: false, error: msg.error });
      };
      const onExit = (code: number) => {
        cleanup();
        this.worker = undefined;
        resolve({ ok: false, error: `the execution environment exited (code ${code})` });
      };
      const cleanup = () => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("exit", onExit);
      };
      worker.on("message", onMessage);
      worker.on("exit", onExit);
      worker.postMessage({ id, payload });
    });
  }

  private stopped = false;

  /** Ends the execution environment; an invocation in flight ends as failed. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    fs.rmSync(this.file, { force: true });
  }
}
