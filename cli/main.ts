import { type Io, processIo, UsageError } from "./io";
import { dlqCommand } from "./dlqCommand";
import { localCommand } from "./localCommand";
import { patternCommand } from "./patternCommand";
import { routeCommand } from "./routeCommand";

const USAGE = `usage: orders-pipeline <command>

  local [--stack NAME] [--scenario FILE] [--watch] [--quiet] [--report-json FILE]
                       run the declared stack on this machine (DynamoDB Local, local pipes,
                       the handler bundles, local DLQs); default: the demo story, then a report

  pattern test --pattern FILE --event FILE [--dialect pipes|eventbus]
                       does the pattern match the event? exit 0 match, 1 no match, 2 invalid
  pattern test --jsonl [--dialect pipes|eventbus]
                       stdin lines {"pattern": "...", "event": "..."} -> {"result": ...} lines
  dlq list|show|redrive [--stack NAME] [--local] [--route normal|premium] [--message ID] [--outputs FILE]
                       the DLQs' pipe pointers and quarantined records; redrive re-invokes the
                       processor and deletes a message only after its records succeeded
  route --stack NAME --jsonl
                       stdin DynamoDB stream records -> each route's outcome per record
  route explain --stack NAME
                       each route's requirements, where each is enforced, the deployed pattern
`;

/** Runs one command; resolves to the exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "pattern":
        return await patternCommand(rest, io);
      case "route":
        return await routeCommand(rest, io);
      case "local":
        return await localCommand(rest, io);
      case "dlq":
        return await dlqCommand(rest, io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout.write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    io.stderr.write(`orders-pipeline: ${(err as Error).message}\n${usage ? `\n${USAGE}` : ""}`);
    return 2;
  }
}
