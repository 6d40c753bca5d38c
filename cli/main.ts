import { type Io, processIo, UsageError } from "./io";

// The `orders-pipeline` command line. cli/bin.js runs `run()` from the build in dist/ (see
// cli/build.js); tests call `main()` in-process and spawn the real command.

type Command = (args: string[], io: Io) => Promise<number>;

// Each command loads its modules only when it runs: `pattern test` and `route` never pay for
// the Pulumi SDK (~0.35 s) or the AWS SDK clients that `local` and `dlq` need.
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  pattern: async () => (await import("./patternCommand")).patternCommand,
  route: async () => (await import("./routeCommand")).routeCommand,
  local: async () => (await import("./localCommand")).localCommand,
  dlq: async () => (await import("./dlqCommand")).dlqCommand,
  cost: async () => (await import("./costCommand")).costCommand,
};

export const USAGE = `usage: orders-pipeline <command>

  local [--stack NAME] [--scenario FILE] [--watch] [--quiet] [--report-json FILE]
                       run the declared stack on this machine (DynamoDB Local, local pipes,
                       the handler bundles, local DLQs); default: the demo story, then a report

  pattern test --pattern FILE --event FILE [--dialect pipes|eventbus] [--source dynamodb]
                       does the pattern match the event? exit 0 match, 1 no match, 2 invalid
  pattern test --jsonl [--dialect pipes|eventbus] [--source dynamodb]
                       stdin lines {"pattern": "...", "event": "..."} -> one {"result": ...} line each
  route --stack NAME --jsonl
                       stdin DynamoDB stream records -> each route's outcome per record
  route explain --stack NAME
                       each route's requirements, where each is enforced, the deployed pattern
  dlq list|show|redrive [--stack NAME] [--local] [--route NAME] [--message ID] [--outputs FILE]
                       the DLQs' pipe pointers and quarantined records; show masks customer
                       addresses (--show-email: in full); redrive checks each message against
                       the stream and the table, re-invokes the processor and deletes a message
                       only after its records succeeded
  cost --stack NAME (--records FILE.jsonl | --scenario FILE | --from-report FILE) --per-month N
       [--prices FILE] [--duration-ms MS] [--json]
                       monthly cost of the deployed filters, no filters and the seed's filters
                       on the same sample, and what filtering at the pipe saves

  Exit status: 0 success (pattern test: match), 1 a negative answer (no match, not as expected,
  messages kept), 2 bad input or usage. Run from the project directory as
  \`npx orders-pipeline ...\` or \`npm run --silent cli -- ...\`.
`;

/** Runs one command; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      io.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    const load = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(command)}; expected ${Object.keys(COMMANDS).join(", ")}`);
    return await (await load())(rest, io);
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string })?.code?.startsWith("ERR_PARSE_ARGS");
    io.stderr.write(`orders-pipeline: ${(err as Error)?.message ?? String(err)}\n${usage ? `\n${USAGE}` : ""}`);
    return 2;
  }
}

/**
 * The process entry point. A reader that stops early (`... | head -1`) closes our stdout:
 * that is a normal end, not an error, so EPIPE exits quietly with status 0.
 */
export function run(argv: readonly string[]): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(0);
      throw err;
    });
  }
  main(argv).then((code) => {
    process.exitCode = code;
  });
}
