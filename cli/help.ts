import type { COST_OPTIONS } from "./costCommand";
import type { DLQ_LIST_OPTIONS, DLQ_MESSAGE_OPTIONS, DLQ_SHOW_OPTIONS } from "./dlqCommand";
import type { LOCAL_OPTIONS } from "./localCommand";
import { SHOW_KINDS } from "./liveLines";
import type { PATTERN_TEST_OPTIONS } from "./patternCommand";
import type { EXPLAIN_OPTIONS, ROUTE_OPTIONS } from "./routeCommand";

// `--help` for every command and subcommand: usage, options, one example, exit statuses.
// The options are each command's own parseArgs options (imported as types only, so help loads
// no command): a command that gains an option does not compile until it is documented here.

interface OptionDoc {
  /** The value's placeholder (`NAME`), for an option that takes one. */
  readonly arg?: string;
  readonly text: string;
}

type Docs<O> = { readonly [K in keyof O]: OptionDoc };

interface Help {
  /** After `orders-pipeline `; several forms on several lines. */
  readonly usage: readonly string[];
  /** One line, for the overview. */
  readonly summary: string;
  /** More, for the command's own help. */
  readonly description?: string;
  readonly options: Readonly<Record<string, OptionDoc>>;
  readonly example: string;
  readonly exit: readonly (readonly [status: string, meaning: string])[];
}

const STACK: OptionDoc = { arg: "NAME", text: "the stack: its config is Pulumi.NAME.yaml (default: dev)" };
const CONFIG: OptionDoc = {
  arg: "KEY=VALUE",
  text: "use VALUE for config KEY in this run, over the stack file and its environments (repeatable; KEY without a namespace is orders:KEY)",
};
const USAGE_ERROR = ["2", "bad input or usage, or a config mistake (the message names it)"] as const;

const patternTest: Docs<typeof PATTERN_TEST_OPTIONS> = {
  pattern: { arg: "FILE", text: "the event pattern (JSON)" },
  event: { arg: "FILE", text: "the event (JSON)" },
  dialect: { arg: "pipes|eventbus", text: "what a pipe filter accepts, or an event bus rule (default: eventbus)" },
  source: { arg: "dynamodb", text: "also apply what a pipe on a DynamoDB stream can use" },
  jsonl: { text: 'read lines {"pattern": "<JSON text>", "event": "<JSON text>"} on stdin; answer one {"result": ...} line each' },
};
const route: Docs<typeof ROUTE_OPTIONS> = {
  stack: STACK,
  jsonl: { text: "read DynamoDB stream records (pipe wire format), one per line, on stdin" },
  config: CONFIG,
};
const explain: Docs<typeof EXPLAIN_OPTIONS> = { stack: STACK, config: CONFIG };
const local: Docs<typeof LOCAL_OPTIONS> = {
  stack: STACK,
  scenario: { arg: "FILE", text: "the story to write (YAML or JSON; default: local/scenarios/demo.yaml, none with --watch)" },
  watch: { text: "keep running after the story, for writes of your own; Ctrl-C ends it" },
  quiet: { text: "no line per order, only the report" },
  show: { arg: "KINDS", text: `only these lines per order, comma-separated: ${SHOW_KINDS.join(", ")} (a pipe's or the canary's own trouble is always said)` },
  "report-json": { arg: "FILE", text: "also write the report as JSON (the input of cost --from-report)" },
  "dynamodb-port": { arg: "PORT", text: "DynamoDB Local on 127.0.0.1:PORT (default: ORDERS_LOCAL_DYNAMODB_PORT, or a free port)" },
  "sqs-port": { arg: "PORT", text: "the local SQS on 127.0.0.1:PORT (default: ORDERS_LOCAL_SQS_PORT, or a free port)" },
  canary: { text: "run the declared canary with a story too (--watch always runs it): a heartbeat per route at the start, then every orders:heartbeatMinutes" },
  "show-heartbeats": { text: "a line per heartbeat the processors receive (by default the canary is quiet, and speaks only when a route's heartbeats stop)" },
  config: CONFIG,
};
const dlqList: Docs<typeof DLQ_LIST_OPTIONS> = {
  stack: STACK,
  local: { text: "the DLQs of a running `local --stack NAME --watch` (default: the deployed stack on AWS)" },
  route: { arg: "NAME", text: "the DLQ of this route's pipe only (default: every pipe's)" },
  outputs: { arg: "FILE", text: "the stack's outputs (`pulumi stack output --json`; default: read through the Pulumi CLI)" },
};
const dlqMessage: Docs<typeof DLQ_MESSAGE_OPTIONS> = { ...dlqList, message: { arg: "ID", text: "one message, by the id `dlq list` prints (found in any of the stack's DLQs)" } };
const dlqShow: Docs<typeof DLQ_SHOW_OPTIONS> = { ...dlqMessage, "show-email": { text: "print customer addresses in full (default: masked, a***@example.com, as in the processors' logs)" } };
const cost: Docs<typeof COST_OPTIONS> = {
  stack: STACK,
  records: { arg: "FILE.jsonl", text: "the sample: DynamoDB stream records, one per line" },
  scenario: { arg: "FILE", text: "the sample: a local scenario's writes, simulated" },
  "from-report": { arg: "FILE", text: "the sample: the counts of a `local --report-json` file" },
  "per-month": { arg: "N", text: "record changes (stream records) a month, 1 to 1e12" },
  prices: { arg: "FILE", text: "another prices file (default: cost/prices.json)" },
  "duration-ms": { arg: "MS", text: "the handler's time per invocation, e.g. your REPORT lines' Duration" },
  "pipes-billing-unit": { arg: "chunk64k|event", text: "how a pipe bills a batch: per 64 KB of its payload (default) or per event in it (an unverified assumption)" },
  "pipes-stream-reads": { arg: "charged|free", text: "whether a pipe pays for its GetRecords calls (default: charged; an unverified assumption)" },
  shards: { arg: "N", text: "stream shards (default: a new on-demand table's 4, or more with traffic)" },
  sensitivity: { text: "also the headline under every combination of those assumptions" },
  json: { text: "one JSON object (schemaVersion 2): designs, unit prices, assumptions" },
  config: CONFIG,
};

/** Every command and subcommand, by the words that name it. */
export const HELP: Readonly<Record<string, Help>> = {
  local: {
    usage: ["local [--stack NAME] [--scenario FILE] [--watch] [--quiet] [--report-json FILE] [--dynamodb-port PORT] [--sqs-port PORT] [--canary] [--show-heartbeats] [--config KEY=VALUE]..."],
    summary: "run the declared stack on this machine (DynamoDB Local, local pipes, the handler bundles, local DLQs)",
    description:
      "Evaluates the Pulumi program offline for the stack and runs what it declares; writes a story\n" +
      "(default: the demo), prints a line per order and a report per pipe and route.\n" +
      "Ctrl-C stops at once and prints the report; a second Ctrl-C exits at once.",
    options: local,
    example: "npx orders-pipeline local --stack dev --scenario examples/my-story.yaml",
    exit: [
      ["0", "the story ran as expected; with --watch, stopped by Ctrl-C"],
      ["1", "the story did not run as expected (the differences are listed)"],
      ["2", "bad input, a config mistake, or DynamoDB refused a step"],
      ["130", "interrupted by Ctrl-C (143 SIGTERM, 129 SIGHUP)"],
    ],
  },
  pattern: {
    usage: ["pattern test ..."],
    summary: "EventBridge patterns: see `pattern test --help`",
    options: {},
    example: "npx orders-pipeline pattern test --pattern examples/premium-filter.json --event examples/shipped-order.json --dialect pipes",
    exit: [["0 / 1 / 2", "see pattern test --help"]],
  },
  "pattern test": {
    usage: ["pattern test --pattern FILE --event FILE [--dialect pipes|eventbus] [--source dynamodb]", "pattern test --jsonl [--dialect pipes|eventbus] [--source dynamodb]"],
    summary: "does the pattern match the event, as EventBridge decides it?",
    description: "Prints match, no match or invalid: <why>.",
    options: patternTest,
    example: "npx orders-pipeline pattern test --pattern examples/premium-filter.json --event examples/shipped-order.json --dialect pipes",
    exit: [
      ["0", "match (--jsonl: every line answered)"],
      ["1", "no match"],
      ["2", "the pattern, the event or a --jsonl line is invalid; or bad usage"],
    ],
  },
  route: {
    usage: ["route [--stack NAME] --jsonl [--config KEY=VALUE]..."],
    summary: "stdin DynamoDB stream records -> what each deployed route does with each",
    description:
      'Answers one line per record: {"eventID", "routes": {"<route>": OUTCOME, ...}, "reasons"?} (every declared route),\n' +
      'OUTCOME being filtered, skipped, processed or rejected; a line that is not a JSON object gets {"line", "error"}\n' +
      "and the run goes on. See also `route explain --help`.",
    options: route,
    example: "npx orders-pipeline route --stack dev --jsonl < examples/records.jsonl",
    exit: [
      ["0", "every line was a stream record"],
      ["2", "a line was not a record (it got an error line; the others were decided), bad usage or a config mistake"],
    ],
  },
  "route explain": {
    usage: ["route explain [--stack NAME] [--config KEY=VALUE]..."],
    summary: "each route's requirements, where each is enforced and why, and the deployed pattern",
    options: explain,
    example: "npx orders-pipeline route explain --stack dev --config orders:premiumMinAmount=2000",
    exit: [["0", "explained"], USAGE_ERROR],
  },
  dlq: {
    usage: ["dlq list|show|redrive ..."],
    summary: "the DLQs' pipe pointers and quarantined records: see `dlq list --help`, `dlq show --help`, `dlq redrive --help`",
    options: {},
    example: "npx orders-pipeline dlq list --stack dev --local",
    exit: [["0 / 1 / 2", "see each subcommand's --help"]],
  },
  "dlq list": {
    usage: ["dlq list [--stack NAME] [--local] [--route NAME] [--outputs FILE]"],
    summary: "every message in the DLQs, without hiding any from other readers",
    options: dlqList,
    example: "npx orders-pipeline dlq list --stack dev --local",
    exit: [["0", "listed"], ["2", "bad usage, or the queues cannot be reached (the message says why)"]],
  },
  "dlq show": {
    usage: ["dlq show --message ID [--stack NAME] [--local] [--route NAME] [--outputs FILE] [--show-email]"],
    summary: "one message, with the stream records a pipe pointer or a quarantined reference names (read back from the stream); addresses masked",
    options: dlqShow,
    example: "npx orders-pipeline dlq show --stack dev --local --message 0f5c2f4e-...",
    exit: [["0", "shown"], ["2", "no such message, bad usage, or the queues cannot be reached"]],
  },
  "dlq redrive": {
    usage: ["dlq redrive [--message ID] [--stack NAME] [--local] [--route NAME] [--outputs FILE]"],
    summary: "re-invoke the processor for each message, with records read from the stream and the table (a message that does not match them is kept); delete a message only once its records succeeded; Ctrl-C releases what it holds",
    options: dlqMessage,
    example: "npx orders-pipeline dlq redrive --stack dev --local --route normal",
    exit: [["0", "every message was redriven and deleted"], ["1", "some messages were kept (each outcome is printed)"], ["2", "bad usage, or the queues cannot be reached"]],
  },
  cost: {
    usage: [
      "cost [--stack NAME] (--records FILE.jsonl | --scenario FILE | --from-report FILE) --per-month N [--prices FILE] [--duration-ms MS]",
      "     [--pipes-billing-unit chunk64k|event] [--pipes-stream-reads charged|free] [--shards N] [--sensitivity] [--json] [--config KEY=VALUE]...",
    ],
    summary: "what the stack costs a month on a sample, against the designs a user would choose between",
    description:
      "Prices four designs on the same sample: deployed (this stack: pipes with the routes' filters),\n" +
      "esmFiltered (Lambda event source mappings with the same filters), esmUnfiltered and pipesUnfiltered;\n" +
      "the headline compares deployed with the cheapest of the others, the seed's filters get a verdict line.\n" +
      "Exactly one sample: --records, --scenario or --from-report.",
    options: cost,
    example: "npx orders-pipeline cost --stack dev --records cost/samples/orders-1000.jsonl --per-month 10000000",
    exit: [["0", "priced"], ["2", "bad input or usage (a bad --records line is reported and the others priced)"]],
  },
};

const HELP_OPTION: OptionDoc = { text: "this help" };

function optionLines(options: Readonly<Record<string, OptionDoc>>): string[] {
  const rows = [...Object.entries(options).map(([name, o]) => [`--${name}${o.arg ? ` ${o.arg}` : ""}`, o.text]), ["-h, --help", HELP_OPTION.text]];
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

/** The help of one command or subcommand (a key of HELP). */
export function commandHelp(name: string): string {
  const h = HELP[name];
  const lines = [
    ...h.usage.map((u, i) => `${i === 0 ? "usage:" : "      "} orders-pipeline ${u}`),
    "",
    ...(h.description ?? h.summary).split("\n"),
    "",
    "options:",
    ...optionLines(h.options),
    "",
    "example:",
    `  ${h.example}`,
    "",
    "exit status:",
    ...h.exit.map(([status, meaning]) => `  ${status.padEnd(9)}  ${meaning}`),
  ];
  return `${lines.join("\n")}\n`;
}

/** The words of argv that name a command in HELP (`dlq show`, `route`), or undefined. */
export function commandOf(argv: readonly string[]): string | undefined {
  const [command, sub] = argv;
  if (sub !== undefined && Object.hasOwn(HELP, `${command} ${sub}`)) return `${command} ${sub}`;
  return command !== undefined && Object.hasOwn(HELP, command) ? command : undefined;
}

/** Whether the user asked for help: `-h` or `--help` anywhere before a `--`. */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** The overview: every command with its usage, then how to get more. */
export function overview(): string {
  const commands = Object.entries(HELP).filter(([name]) => name !== "pattern" && name !== "dlq");
  const lines = ["usage: orders-pipeline <command> [options]", ""];
  for (const [, h] of commands) {
    for (const u of h.usage) lines.push(`  ${u}`);
    lines.push(`                       ${h.summary}`);
  }
  lines.push(
    "",
    "  help COMMAND         a command's options, an example and its exit statuses (also: COMMAND --help, -h)",
    "  --version            the version of orders-pipeline",
    "",
    "Exit status: 0 success (pattern test: match), 1 a negative answer (no match, not as expected,",
    "messages kept), 2 bad input or usage. Run from the project directory as `npx orders-pipeline ...`,",
    "`npm run --silent cli -- ...` or `node cli/bin.js ...`.",
  );
  return `${lines.join("\n")}\n`;
}
