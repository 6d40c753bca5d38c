import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { loadStackFileSettings } from "../config/stackFile";
import { bundleProcessor, type SdkPackaging } from "../infra/bundle";
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoLocal } from "../local/dynamoLocal";
import { routesToEnvironment } from "../routing/environment";
import { routeNamed, routesFromSettings, servedBy } from "../routing/stackRoutes";
import { wireFulfilmentExample } from "../tests/support/fulfilmentExample";
import { projectCopy } from "../tests/support/projectCopy";
import { inserted } from "../tests/support/records";
import { median } from "./records";

// Cold start of a processor whose business step uses the DynamoDB client, with its effects
// recorded once (Powertools' Idempotency on DynamoDB): the README's fulfilment example, wired
// into a copy of the project as the README says. Each sample is a fresh process, as a cold
// Lambda is: it loads the bundle (Lambda's Init) and handles one batch of one new order (the
// first invocation: the idempotency record's put and update, the step's conditional PutItem),
// against DynamoDB Local. Two packagings of the AWS SDK: taken from the runtime (left out of
// the bundle; here resolved from node_modules, as the nodejs24.x runtime resolves its own
// copy) and bundled. Two baselines, measured alternately in the same run: the same step with
// the idempotency store off (a DynamoDB step as a team writes it without effects-once: what
// effects-once adds), and the seed's own processor before effects-once (its logging step).

const SAMPLES = 9;

type Row = Record<string, number | string>;

interface Variant {
  readonly name: string;
  readonly file: string;
  readonly env: NodeJS.ProcessEnv;
  readonly bytes: number;
}

/** One fresh process: load the bundle, then handle one batch of one order; both timed. */
function sample(v: Variant, orderId: string): { initMs: number; firstBatchMs: number } {
  const record = inserted({ orderId, amount: "250" }, `${orderId}-e`);
  const script = `
    const t0 = process.hrtime.bigint();
    const { handler } = require(${JSON.stringify(v.file)});
    const t1 = process.hrtime.bigint();
    handler(${JSON.stringify([record])}, { functionName: "bench", awsRequestId: "1", getRemainingTimeInMillis: () => 30000 }).then((out) => {
      const t2 = process.hrtime.bigint();
      if (out.batchItemFailures.length > 0) { console.error("FAILED " + JSON.stringify(out)); process.exit(1); }
      console.error("BENCH " + JSON.stringify({ initMs: Number(t1 - t0) / 1e6, firstBatchMs: Number(t2 - t1) / 1e6 }));
    });`;
  const r = spawnSync(process.execPath, ["-e", script], { env: v.env, encoding: "utf8" });
  const line = r.stderr.split("\n").find((l) => l.startsWith("BENCH "));
  if (r.status !== 0 || !line) throw new Error(`${v.name}: the bench process failed: ${r.stderr.slice(0, 900)}`);
  return JSON.parse(line.slice(6));
}

export async function runStepColdStartBench(): Promise<Row[]> {
  const project = path.resolve(__dirname, "..");
  const cache = path.join(project, "node_modules", ".cache", "orders-bench");
  fs.mkdirSync(cache, { recursive: true });
  const ddb = await startDynamoLocal();
  const copy = projectCopy("orders-bench-step-", { linkModules: true });
  const files: string[] = [];
  try {
    const dynamo = new DynamoDBClient({ endpoint: ddb.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await dynamo.send(new CreateTableCommand({ TableName: "OrderEffects", KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }], BillingMode: "PAY_PER_REQUEST" }));
    await dynamo.send(new UpdateTimeToLiveCommand({ TableName: "OrderEffects", TimeToLiveSpecification: { Enabled: true, AttributeName: "expiration" } }));
    await dynamo.send(new CreateTableCommand({ TableName: "Fulfilment", KeySchema: [{ AttributeName: "orderId", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "orderId", AttributeType: "S" }], BillingMode: "PAY_PER_REQUEST" }));
    dynamo.destroy();

    const declared = routesFromSettings(loadStackFileSettings("dev"));
    const normal = routeNamed(declared, "normal");
    const group = declared.pipes.find((g) => g.routes.includes("normal"));
    if (!group || group.routes.length !== 1) throw new Error("the bench expects the seed's normal route on a pipe of its own");
    const env = {
      ...process.env,
      ...routesToEnvironment([normal]),
      ORDERS_DLQ_URL: "http://127.0.0.1:1/000000000000/unused",
      ORDERS_IDEMPOTENCY_TABLE: "OrderEffects",
      ORDERS_SETTING_FULFILMENT_TABLE: "Fulfilment",
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    };
    const write = (name: string, code: string) => {
      const file = path.join(cache, `${name}-${process.pid}.js`);
      fs.writeFileSync(file, code);
      files.push(file);
      return file;
    };
    // The example's bundles are built in the copy, by its own infra/bundle.ts.
    wireFulfilmentExample(copy);
    const served = servedBy(group, declared.declarations);
    const built = spawnSync(
      process.execPath,
      ["-r", "./tests/support/register.js", "-e", `const { bundleProcessor } = require("./infra/bundle"); const served = ${JSON.stringify(served)}; process.stdout.write(JSON.stringify(["runtime", "bundled"].map((sdk) => bundleProcessor(served, { sdk }).code)));`],
      { cwd: copy, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    if (built.status !== 0) throw new Error(`building the example's bundles failed: ${built.stderr}`);
    const [runtimeCode, bundledCode] = JSON.parse(built.stdout) as string[];
    const baseline = bundleProcessor(served, { sdk: "runtime" });
    const seedBundled = bundleProcessor(served, { sdk: "bundled" });
    const off = { ...env, POWERTOOLS_IDEMPOTENCY_DISABLED: "true" };
    const sdkName = (sdk: SdkPackaging) => (sdk === "runtime" ? "SDK from the runtime" : "SDK bundled");
    const variants: Variant[] = [
      { name: "seed step, store off (before effects-once), SDK from the runtime", file: write("baseline", baseline.code), env: off, bytes: baseline.bytes },
      { name: "seed step, store off, SDK bundled", file: write("seed-bundled", seedBundled.code), env: off, bytes: seedBundled.bytes },
      ...(["runtime", "bundled"] as SdkPackaging[]).flatMap((sdk, i) => {
        const code = [runtimeCode, bundledCode][i];
        const file = write(`fulfil-${sdk}`, code);
        return [
          { name: `fulfilment step, store off, ${sdkName(sdk)}`, file, env: off, bytes: Buffer.byteLength(code) },
          { name: `fulfilment step + effects-once, ${sdkName(sdk)}`, file, env, bytes: Buffer.byteLength(code) },
        ];
      }),
    ];
    const init = variants.map(() => [] as number[]);
    const first = variants.map(() => [] as number[]);
    // Alternating, so load on the machine falls on every variant alike.
    for (let s = 0; s < SAMPLES; s++) {
      variants.forEach((v, i) => {
        const m = sample(v, `bench-${process.pid}-${s}-${i}`);
        init[i].push(m.initMs);
        first[i].push(m.firstBatchMs);
      });
    }
    const round = (n: number) => Math.round(n * 10) / 10;
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const initOf = (i: number) => median(init[i]);
    const coldOf = (i: number) => median(init[i]) + median(first[i]);
    return variants.map((v, i) => {
      // The store-off twin of an effects-once variant is the row before it (the same bundle).
      const twin = v.env === env ? i - 1 : i;
      return {
        processor: v.name,
        bundleKB: Math.round(v.bytes / 102.4) / 10,
        [`initMs (median of ${SAMPLES})`]: round(initOf(i)),
        firstBatchMs: round(median(first[i])),
        initVsSeed: ratio(initOf(i), initOf(0)),
        "init+firstBatch vs seed": ratio(coldOf(i), coldOf(0)),
        "init vs store off": ratio(initOf(i), initOf(twin)),
        "init+firstBatch vs store off": ratio(coldOf(i), coldOf(twin)),
      };
    });
  } finally {
    for (const f of files) fs.rmSync(f, { force: true });
    fs.rmSync(copy, { recursive: true, force: true });
    await ddb.stop();
  }
}

if (require.main === module) {
  runStepColdStartBench().then((rows) => console.table(rows));
}
