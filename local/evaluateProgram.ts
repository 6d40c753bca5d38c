// First: defers what Pulumi loads only to serialize functions (~0.8 s of every evaluation).
import "./closureSupport";
import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "../config/settings";
import { PROJECT_DIR, readStackConfig } from "../config/stackFile";
import { useKeptBundles } from "../infra/bundle";
import { localBundle } from "./bundleCache";

// Runs the Pulumi program (index.ts) offline under Pulumi's mocks with a stack's config file
// and records every resource it declares, with its inputs. The unit tests assert on this,
// and the local runtime runs exactly what it returns: one source of truth, no second copy
// of the configuration.

export interface DeclaredResource {
  readonly type: string;
  readonly name: string;
  readonly id: string;
  /** Inputs as the program passed them, plus the computed fields the mocks invent. */
  readonly state: Record<string, any>;
}

export interface DeclaredStack {
  readonly stack: string;
  readonly resources: readonly DeclaredResource[];
  readonly outputs: Record<string, any>;
}

const ACCOUNT = "123456789012";

/** Fake but well-formed values for the fields AWS computes, so outputs resolve and can be checked. */
function computedState(type: string, name: string, inputs: Record<string, any>, region: string): Record<string, unknown> {
  const arn = (service: string, resource: string) => `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;
  switch (type) {
    case "aws:dynamodb/table:Table": {
      const tableArn = arn("dynamodb", `table/${name}`);
      return { name, arn: tableArn, streamArn: inputs.streamEnabled ? `${tableArn}/stream/2026-01-01T00:00:00.000` : undefined };
    }
    case "aws:sqs/queue:Queue":
      return { name, arn: arn("sqs", name), url: `https://sqs.${region}.amazonaws.com/${ACCOUNT}/${name}` };
    case "aws:lambda/function:Function":
      return { name, arn: arn("lambda", `function:${name}`) };
    case "aws:iam/role:Role":
      return { name, arn: `arn:aws:iam::${ACCOUNT}:role/${name}` };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { name, arn: arn("logs", `log-group:${name}`) };
    case "aws:sns/topic:Topic":
      return { name, arn: arn("sns", name) };
    case "aws:pipes/pipe:Pipe": {
      const pipeName = inputs.name ?? name; // the program names its pipes explicitly
      return { name: pipeName, arn: arn("pipes", `pipe/${pipeName}`) };
    }
    default:
      return {};
  }
}

/**
 * An output's value. Evaluated as a preview, a field AWS computes that the mocks do not invent
 * (an S3 bucket's name, say, in a user's change) is unknown, and an unknown output never calls
 * `apply`: waiting on it left the evaluation hanging, so the process ended with nothing said.
 * Such an output is undefined here, as `pulumi preview` shows it as "output<string>".
 */
async function settled(value: pulumi.Input<unknown>): Promise<unknown> {
  // isKnown: on every Output (@pulumi/pulumi output.js), not in its type declarations.
  const output = pulumi.output(value) as pulumi.Output<unknown> & { readonly isKnown: Promise<boolean> };
  if (!(await output.isKnown)) return undefined;
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}

/**
 * Evaluates the program for `stack`, with the config of Pulumi.<stack>.yaml in `dir`.
 * `overrides` replaces config values (`orders:key` → string, or undefined to remove one), for
 * tests. Throws what the program throws (e.g. a ConfigError naming the key).
 */
export async function evaluateProgram(
  stack: string,
  overrides: Readonly<Record<string, string | undefined>> = {},
  dir = PROJECT_DIR,
  /** Receives each resource as it is declared (also when the program fails part-way). */
  resources: DeclaredResource[] = [],
): Promise<DeclaredStack> {
  const config: Record<string, string> = readStackConfig(stack, dir);
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete config[key];
    else config[key] = value;
  }
  const region = config["aws:region"] ?? "us-east-1";
  pulumi.runtime.setAllConfig(config);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state = { ...args.inputs, ...computedState(args.type, args.name, args.inputs, region) };
        const id = `${args.name}-id`;
        resources.push({ type: args.type, name: args.name, id, state });
        return { id, state };
      },
      call(args) {
        // The invokes the program makes to learn where it is deployed; anything else is a mistake.
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/local`, userId: "LOCAL", id: ACCOUNT };
          case "aws:index/getRegion:getRegion":
            return { region, name: region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
          case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
          default:
            throw new Error(`the program made an unexpected provider call: ${args.token}`);
        }
      },
    },
    CONFIG_NAMESPACE, // the project's name (Pulumi.yaml)
    stack,
    true,
  );
  // The program next to this module: index.ts from the sources, index.js from the CLI's build.
  const entry = require.resolve("../index");
  // Its processors' bundles as the local run takes them: kept, built again only after an edit.
  useKeptBundles((served) => localBundle(served));
  delete require.cache[entry];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(entry) as Record<string, pulumi.Input<unknown>>;
  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(program)) outputs[key] = await settled(value);
  // Resources that no output depends on (alarms, subscriptions) may still be registering.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
  return { stack, resources, outputs };
}
