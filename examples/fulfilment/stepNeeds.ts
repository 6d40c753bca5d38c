// The fulfilment table, and what the normal route's step needs: its name, and PutItem on it.
const fulfilment = new aws.dynamodb.Table("Fulfilment", {
  attributes: [{ name: "orderId", type: "S" }],
  hashKey: "orderId",
  billingMode: "PAY_PER_REQUEST",
  serverSideEncryption: { enabled: true },
});
const STEP_NEEDS: StepNeeds = {
  normal: {
    settings: { fulfilmentTable: fulfilment.name },
    grants: [{ name: "fulfilment-put", actions: ["dynamodb:PutItem"], resources: [fulfilment.arn] }],
  },
};
