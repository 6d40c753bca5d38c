import { SQSClient } from "@aws-sdk/client-sqs";
import { sqsClientConfig, type SqsLocal, startSqsLocal } from "../../local/sqsLocal";

/**
 * For a describe block: the local SQS and a client of it, started before its tests and
 * stopped after; `use` receives them (assign them to the block's variables).
 */
export function withSqsLocal(use: (started: { sqsLocal: SqsLocal; sqs: SQSClient }) => void): void {
  let started: { sqsLocal: SqsLocal; sqs: SQSClient } | undefined;
  before(async () => {
    const sqsLocal = await startSqsLocal();
    started = { sqsLocal, sqs: new SQSClient(sqsClientConfig(sqsLocal.endpoint)) };
    use(started);
  });
  after(async () => {
    started?.sqs.destroy();
    await started?.sqsLocal.stop();
  });
}
