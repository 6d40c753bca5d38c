import { ConditionalCheckFailedException, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { type OrderHandler, orderFacts, setting } from "../business";

// The normal route's business step, for real: accepting an order creates its fulfilment item
// in a second table. The processor already makes the effect happen once (Powertools'
// Idempotency, keyed on the order and its status); the conditional write is the step's own
// guard for the one case that leaves: a crash between this write and the effect's record.
// Any AWS SDK v3 client works here unchanged, on AWS and locally (the local runtime points the
// SDK at DynamoDB Local and the local SQS).

const dynamo = new DynamoDBClient({});

export const step: OrderHandler = async (order, context) => {
  const table = setting(context, "fulfilmentTable");
  try {
    await dynamo.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          orderId: { S: order.orderId },
          status: { S: order.orderStatus },
          amount: { N: order.orderAmountText },
          acceptedBy: { S: order.eventID },
        },
        ConditionExpression: "attribute_not_exists(orderId)",
      }),
    );
    context.log.info("order.fulfilment_created", orderFacts(order));
  } catch (err) {
    // Already created by an earlier change of this order: nothing more to do.
    if (err instanceof ConditionalCheckFailedException) return;
    throw err; // anything else is transient: the pipe retries
  }
};
