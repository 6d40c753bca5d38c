import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";

export interface IdempotencyTableArgs {
  /** Refuse deletion of the table (on in production: losing it would let repeats run again). */
  readonly deletionProtection: pulumi.Input<boolean>;
}

/**
 * Where the processors record each route's business effects (handlers/idempotency.ts), in the
 * shape Powertools' DynamoDB persistence layer expects: partition key `id` (string), the
 * record's expiry in `expiration`, which DynamoDB's TTL deletes after (Powertools for AWS Lambda,
 * Idempotency, "Required resources"). On demand: it takes two writes per processed order and
 * nothing in between.
 */
export class IdempotencyTable extends pulumi.ComponentResource {
  readonly tableName: pulumi.Output<string>;
  readonly tableArn: pulumi.Output<string>;

  constructor(name: string, args: IdempotencyTableArgs, opts?: pulumi.ComponentResourceOptions) {
    super("orders:storage:IdempotencyTable", name, {}, opts);
    const table = new aws.dynamodb.Table(
      name,
      {
        attributes: [{ name: "id", type: "S" }],
        hashKey: "id",
        billingMode: "PAY_PER_REQUEST",
        ttl: { attributeName: "expiration", enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: args.deletionProtection,
      },
      { parent: this },
    );
    this.tableName = table.name;
    this.tableArn = table.arn;
    this.registerOutputs({ tableName: this.tableName, tableArn: this.tableArn });
  }
}
