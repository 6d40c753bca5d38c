import { DeleteItemCommand, type DynamoDBClient, PutItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { exactNumbers, type Step } from "./scenario";

// A scenario's step made on DynamoDB (Local). Apart from the scenario's format (scenario.ts),
// so that what only reads scenarios (`cost --scenario`, `route`) does not load the DynamoDB
// client (~0.3 s of a command's start here).

export async function runStep(
  step: Step,
  client: DynamoDBClient,
  tableName: string,
  onWrite: (orderId: string, startedAt: number) => void,
): Promise<void> {
  const startedAt = Date.now();
  if ("wait" in step) {
    await new Promise((r) => setTimeout(r, step.wait));
    return;
  }
  if ("put" in step) {
    await client.send(new PutItemCommand({ TableName: tableName, Item: marshall(exactNumbers(step.put) as Record<string, unknown>, { removeUndefinedValues: true }) }));
    onWrite(step.put.orderId as string, startedAt);
    return;
  }
  if ("update" in step) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = Object.entries(step.update.set).map(([k, v], i) => {
      names[`#a${i}`] = k;
      values[`:v${i}`] = exactNumbers(v);
      return `#a${i} = :v${i}`;
    });
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: marshall({ orderId: step.update.orderId }),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshall(values),
      }),
    );
    onWrite(step.update.orderId, startedAt);
    return;
  }
  await client.send(new DeleteItemCommand({ TableName: tableName, Key: marshall({ orderId: step.delete.orderId }) }));
  onWrite(step.delete.orderId, startedAt);
}
