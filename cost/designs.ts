// The designs a user chooses between to run the same business steps on the same stream,
// priced on the same sample, scaled the same way. Each reads the stream with the same
// readers (one per declared pipe: a stream shard serves at most two, routing/pipes.ts),
// batches with the stack's batch size and window, invokes the same processors, and sends what
// fails to the same DLQs.
//
// - deployed: this stack: an EventBridge pipe per declared pipe, with the routes' filters.
// - esmFiltered: a Lambda event source mapping (ESM) on the stream per declared pipe, with
//   the same filter patterns as filter criteria (they test only the record's `dynamodb` key,
//   which is what an ESM on a DynamoDB stream filters on: "DynamoDB event source mappings only
//   support filtering on the dynamodb key", docs.aws.amazon.com/lambda/latest/dg/with-ddb-filtering.html),
//   an on-failure destination to the same DLQ, the processors receiving {"Records": [...]}.
// - esmUnfiltered: the same ESMs without filter criteria: every record reaches every
//   processor, which drops what none of its routes wants without a log line.
// - pipesUnfiltered: the pipes without filters, processors dropping quietly the same way.
//
// All four process exactly the same orders (the processors' guards decide, as deployed). The
// seed's filters as written are not a design (they process nothing on AWS): they get a verdict
// line of their own (cost/estimate.ts).

export const DESIGNS = ["deployed", "esmFiltered", "esmUnfiltered", "pipesUnfiltered"] as const;
export type Design = (typeof DESIGNS)[number];

/** What reads the stream and invokes the processor. */
export type Transport = "pipes" | "esm";
/** Which records reach a processor: those its reader's filter passes, or all. */
export type Delivery = "filtered" | "all";

export interface DesignSpec {
  readonly transport: Transport;
  readonly delivery: Delivery;
  readonly describe: string;
}

export const DESIGN_SPECS: Readonly<Record<Design, DesignSpec>> = {
  deployed: { transport: "pipes", delivery: "filtered", describe: "this stack: EventBridge Pipes with the routes' filters" },
  esmFiltered: { transport: "esm", delivery: "filtered", describe: "Lambda event source mappings on the stream with the same filter criteria" },
  esmUnfiltered: { transport: "esm", delivery: "all", describe: "Lambda event source mappings without filters; processors drop what they do not want, quietly" },
  pipesUnfiltered: { transport: "pipes", delivery: "all", describe: "the pipes without filters; processors drop what they do not want, quietly" },
};
