import * as fs from "node:fs";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import type * as Fauxqs from "fauxqs";
import { localClientConfig, LOCAL_REGION, PortInUse } from "./dynamoLocal";

// Local SQS-API queues for the DLQs, served by fauxqs (an SQS/SNS emulator from npm that
// runs in-process on Node 20), so the `dlq` command talks the same API locally as on AWS.
//
// On 127.0.0.1 only, with queue URLs that resolve as printed: fauxqs's startFauxqs() listens
// on every interface (0.0.0.0, fixed in its code) and, given a host, writes queue URLs as
// `http://sqs.<region>.<host>:<port>/...`, a name that does not resolve for 127.0.0.1. So
// the app is built with buildApp() and listened on here, on 127.0.0.1, with no host: queue
// URLs are path-style, `http://127.0.0.1:<port>/000000000000/<name>`, fauxqs's URL for a
// request without a host option. Its queue store is not exported; it is loaded from its file.

export interface SqsLocal {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly port: number;
  /** Creates (or replaces) the queue with these attributes (SQS's names and string values); its URL on the local endpoint. */
  createQueue(name: string, attributes?: Readonly<Record<string, string>>): { queueUrl: string; queueArn: string };
  stop(): Promise<void>;
}

/** fauxqs's account id in queue URLs and ARNs. */
const ACCOUNT = "000000000000";

// fauxqs is ESM-only; TypeScript compiling to CommonJS would turn import() into require().
const importEsm = new Function("specifier", "return import(specifier)") as <T>(specifier: string) => Promise<T>;

interface QueueStore {
  createQueue(name: string, url: string, arn: string, attributes?: Record<string, string>): unknown;
}

interface FauxqsStore {
  SqsStore: new () => QueueStore;
}

/**
 * fauxqs as the CLI's build has it (one CommonJS file exporting its store too: cli/build.js),
 * else the installed package: ES modules only, whose exports name only its entry point (so
 * require.resolve fails), its store a file beside it.
 */
async function loadFauxqs(): Promise<typeof Fauxqs & FauxqsStore> {
  let bundled: (typeof Fauxqs & Partial<FauxqsStore>) | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    bundled = require(require.resolve("fauxqs")) as typeof Fauxqs & Partial<FauxqsStore>;
  } catch {
    // not the build's: import the installed package
  }
  if (bundled?.SqsStore) return bundled as typeof Fauxqs & FauxqsStore;
  const dir = (require.resolve.paths("fauxqs") ?? []).map((d) => path.join(d, "fauxqs")).find((d) => fs.existsSync(path.join(d, "package.json")));
  if (!dir) throw new Error("the npm package fauxqs is not installed: run npm ci");
  const { SqsStore } = await importEsm<FauxqsStore>(pathToFileURL(path.join(dir, "dist", "sqs", "sqsStore.js")).href);
  return { ...(await importEsm<typeof Fauxqs>("fauxqs")), SqsStore };
}

/** Starts the local SQS on 127.0.0.1:`port` (0 or left out: a free port; PortInUse if a fixed one is taken). */
export async function startSqsLocal(opts: { port?: number } = {}): Promise<SqsLocal> {
  const fauxqs = await loadFauxqs();
  const sqsStore = new fauxqs.SqsStore();
  const app = fauxqs.buildApp({ logger: false, defaultRegion: LOCAL_REGION, stores: { sqsStore } as never });
  // Bound where it listens, 127.0.0.1: no probe that could disagree with the bind.
  await app.listen({ port: opts.port ?? 0, host: "127.0.0.1" }).catch((err: NodeJS.ErrnoException) => {
    throw err.code === "EADDRINUSE" || err.code === "EACCES" ? new PortInUse(opts.port ?? 0) : err;
  });
  const { port } = app.server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    createQueue: (name, attributes) => {
      const queueUrl = `${endpoint}/${ACCOUNT}/${name}`;
      const queueArn = `arn:aws:sqs:${LOCAL_REGION}:${ACCOUNT}:${name}`;
      sqsStore.createQueue(name, queueUrl, queueArn, { ...attributes });
      return { queueUrl, queueArn };
    },
    stop: () => app.close(),
  };
}

/** Client settings for the local SQS (timeouts included: see localClientConfig). */
export const sqsClientConfig = (endpoint: string, opts: { attempts?: number } = {}) => localClientConfig(endpoint, opts);
