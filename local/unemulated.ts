import * as http from "node:http";
import type { AddressInfo } from "node:net";

// Locally, a processor's AWS SDK clients reach the emulators through the SDK's own endpoint
// variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SQS, ...). A client of any other
// service falls back to AWS_ENDPOINT_URL, which points here: every request is answered at once
// with an error that names the service and says what the local runtime emulates, instead of
// reaching AWS with dummy credentials or failing with ENOTFOUND after the SDK's retries. The
// status is 400 and the code not a throttling one, so the SDK does not retry it ("Retry
// behavior", AWS SDKs and Tools reference guide: transient and throttling errors only).

export const EMULATED = ["DynamoDB", "DynamoDB Streams", "SQS"] as const;

/** The signing names of the services whose protocol is restXml (their SDK models' protocol). */
const REST_XML = new Set(["s3", "s3-outposts", "cloudfront", "route53"]);

export interface Unemulated {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** The service a SigV4-signed request is for: the fourth part of its credential scope (AKID/date/region/service/aws4_request). */
export function serviceOf(authorization: string | undefined): string | undefined {
  return /Credential=[^/,]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(authorization ?? "")?.[1];
}

export function refusal(service: string | undefined): string {
  const what = service ? `the AWS service "${service}"` : "an AWS service other than DynamoDB and SQS";
  return (
    `orders-pipeline local: a processor called ${what}, which the local runtime does not emulate ` +
    `(it emulates ${EMULATED.join(", ")}). The call fails here instead of reaching AWS; stub it when ORDERS_LOCAL is set, or run the step against AWS`
  );
}

export async function startUnemulated(): Promise<Unemulated> {
  const server = http.createServer((req, res) => {
    req.resume(); // the body does not matter
    req.on("end", () => {
      const service = serviceOf(req.headers.authorization);
      const message = refusal(service);
      const type = String(req.headers["content-type"] ?? "");
      const query = type.includes("x-www-form-urlencoded");
      // Each protocol's error shape, so the SDK surfaces the message: the JSON protocols
      // (awsJson, restJson: most services) read x-amzn-errortype and message, awsQuery reads
      // ErrorResponse/Error, restXml (S3, CloudFront, Route 53) reads Error.
      if (!query && !REST_XML.has(service ?? "")) {
        res.writeHead(400, { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": "LocalServiceNotEmulated" });
        res.end(JSON.stringify({ __type: "LocalServiceNotEmulated", message, Message: message }));
        return;
      }
      const escaped = message.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
      const error = `<Error><Type>Sender</Type><Code>LocalServiceNotEmulated</Code><Message>${escaped}</Message></Error>`;
      res.writeHead(400, { "content-type": "text/xml" });
      res.end(query ? `<ErrorResponse>${error}<RequestId>local</RequestId></ErrorResponse>` : `<?xml version="1.0" encoding="UTF-8"?>${error}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
