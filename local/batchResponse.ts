// How a pipe reads its Lambda target's response for a batch from a stream source, as AWS
// does (aws-facts section 5):
// - success: a null or empty response, or a null, absent or empty `batchItemFailures` list
//   (eb-pipes-dynamodb.md, "Success and failure conditions"; LocalStack's AWS-validated
//   `test_dynamodb_report_batch_item_success_scenarios`, responses [], null, {},
//   {"batchItemFailures": []}, {"batchItemFailures": null});
// - the whole batch fails when an item's `itemIdentifier` is an empty string, null, missing
//   ("a bad key name") or not a string (same page; LocalStack's AWS-validated
//   `test_dynamodb_report_batch_item_failure_scenarios`, both in
//   tests/aws/services/lambda_/event_source_mapping/test_lambda_integration_dynamodbstreams.py),
//   when it names no record of the batch, or when `batchItemFailures` is not a list;
// - otherwise the pipe retries from the earliest record named (stream order is kept): a
//   partial failure, which AUTOMATIC_BISECT splits at that record instead of halving
//   (see LocalPipe.deliver).

export type BatchVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** Index of the first record to retry; those before it succeeded. */
      readonly from: number;
      /** A usable batchItemFailures list (a partial failure), not a failure of the whole batch. */
      readonly partial: boolean;
      readonly why: string;
    };

/** The verdict on a target's response to a batch whose records have these eventIDs, in order. */
export function readBatchResponse(eventIDs: readonly string[], response: unknown): BatchVerdict {
  if (response === null || typeof response !== "object" || Array.isArray(response)) return { ok: true };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { ok: true };
  if (!Array.isArray(failures)) return { ok: false, from: 0, partial: false, why: `batchItemFailures is not a list (${typeof failures}): the whole batch failed` };
  if (failures.length === 0) return { ok: true };
  let from = eventIDs.length;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== "string" || id === "") {
      return { ok: false, from: 0, partial: false, why: `a batchItemFailures entry has no usable itemIdentifier (${JSON.stringify(failure)}): the whole batch failed` };
    }
    const index = eventIDs.indexOf(id);
    if (index < 0) return { ok: false, from: 0, partial: false, why: `batchItemFailures names ${JSON.stringify(id)}, no record of this batch: the whole batch failed` };
    from = Math.min(from, index);
  }
  return { ok: false, from, partial: true, why: "batchItemFailures" };
}
