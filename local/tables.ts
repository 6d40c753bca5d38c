import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type KeySchemaElement,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import type { IndexPlan, TablePlan } from "./plan";

// Every table the program declares, created on DynamoDB Local as declared: keys, attribute
// types, global and local secondary indexes, TTL and stream. A business step that writes to a
// table of its own finds it there, with the name the program gives it.

function keySchema(hashKey: string, rangeKey?: string): KeySchemaElement[] {
  return rangeKey ? [{ AttributeName: hashKey, KeyType: "HASH" }, { AttributeName: rangeKey, KeyType: "RANGE" }] : [{ AttributeName: hashKey, KeyType: "HASH" }];
}

function projection(i: IndexPlan) {
  return { ProjectionType: i.projectionType as "ALL" | "KEYS_ONLY" | "INCLUDE", ...(i.nonKeyAttributes?.length ? { NonKeyAttributes: [...i.nonKeyAttributes] } : {}) };
}

export function createTableInput(t: TablePlan): CreateTableCommandInput {
  return {
    TableName: t.name,
    KeySchema: keySchema(t.hashKey, t.rangeKey),
    AttributeDefinitions: t.attributes.map((a) => ({ AttributeName: a.name, AttributeType: a.type as "S" | "N" | "B" })),
    BillingMode: "PAY_PER_REQUEST",
    ...(t.globalSecondaryIndexes.length ? { GlobalSecondaryIndexes: t.globalSecondaryIndexes.map((i) => ({ IndexName: i.name, KeySchema: keySchema(i.hashKey, i.rangeKey), Projection: projection(i) })) } : {}),
    ...(t.localSecondaryIndexes.length ? { LocalSecondaryIndexes: t.localSecondaryIndexes.map((i) => ({ IndexName: i.name, KeySchema: keySchema(t.hashKey, i.rangeKey), Projection: projection(i) })) } : {}),
    ...(t.streamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: t.streamViewType as "NEW_AND_OLD_IMAGES" } } : {}),
  };
}

/** Creates the tables; returns each stream's local ARN by table name. */
export async function createTables(dynamo: DynamoDBClient, tables: readonly TablePlan[]): Promise<Map<string, string>> {
  const streams = new Map<string, string>();
  for (const t of tables) {
    try {
      await dynamo.send(new CreateTableCommand(createTableInput(t)));
    } catch (err) {
      throw new Error(`DynamoDB Local refused the table ${t.name} as the program declares it: ${(err as Error).message}`);
    }
    if (t.ttlAttribute) {
      await dynamo.send(new UpdateTimeToLiveCommand({ TableName: t.name, TimeToLiveSpecification: { Enabled: true, AttributeName: t.ttlAttribute } }));
    }
    if (t.streamViewType) {
      const described = await dynamo.send(new DescribeTableCommand({ TableName: t.name }));
      const arn = described.Table?.LatestStreamArn;
      if (!arn) throw new Error(`DynamoDB Local created ${t.name} without a stream`);
      streams.set(t.name, arn);
    }
  }
  return streams;
}
