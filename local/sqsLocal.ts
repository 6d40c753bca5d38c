import type * as Fauxqs from "fauxqs";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "./dynamoLocal";

// Local SQS-API queues for the DLQs, served by fauxqs (an SQS/SNS emulator from npm that
// runs in-process on Node 20), so the `dlq` command talks the same API locally as on AWS.

export interface SqsLocal {
  readonly endpoint: string;
  /**
   * Creates (or returns) the queue; its URL on the local endpoint. `attributes` are SQS queue
   * attributes; fauxqs enforces MaximumMessageSize on SendMessage with SQS's own error.
   */
  createQueue(name: string, attributes?: Record<string, string>): { queueUrl: string; queueArn: string };
  stop(): Promise<void>;
}

// fauxqs is ESM-only; TypeScript compiling to CommonJS would turn import() into require().
const importEsm = new Function("specifier", "return import(specifier)") as <T>(specifier: string) => Promise<T>;

export async function startSqsLocal(): Promise<SqsLocal> {
  const { startFauxqs } = await importEsm<typeof Fauxqs>("fauxqs");
  const server = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false, defaultRegion: LOCAL_REGION });
  return {
    endpoint: server.address,
    createQueue: (name, attributes) => {
      const q = server.createQueue(name, attributes ? { attributes } : undefined);
      return { queueUrl: q.queueUrl, queueArn: q.queueArn };
    },
    stop: () => server.stop(),
  };
}

export const sqsClientConfig = (endpoint: string) => ({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
