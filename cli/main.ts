import { projectPath } from "../config/paths";
import { asksForHelp, commandHelp, commandOf, HELP, overview } from "./help";
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

/** The overview printed by `--help` (cli/help.ts). */
export const USAGE = overview();

function version(): string {
  // package.json sits at the project's root, above cli/ and above dist/cli/.
  return (require(projectPath("package.json")) as { version: string }).version;
}

/** Runs one command; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "--help" || command === "-h") {
      io.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === "--version") {
      io.stdout.write(`orders-pipeline ${version()}\n`);
      return 0;
    }
    if (command === "help") {
      if (rest.length === 0) {
        io.stdout.write(USAGE);
        return 0;
      }
      const named = commandOf(rest);
      if (!named) throw new UsageError(`help: no command ${JSON.stringify(rest.join(" "))}; expected one of ${Object.keys(HELP).join(", ")}`);
      io.stdout.write(commandHelp(named));
      return 0;
    }
    const load = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw new UsageError(`unknown command ${JSON.stringify(command)}; expected ${Object.keys(COMMANDS).join(", ")}`);
    if (asksForHelp(rest)) {
      io.stdout.write(commandHelp(commandOf(argv) as string));
      return 0;
    }
    return await (await load())(rest, io);
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string })?.code?.startsWith("ERR_PARSE_ARGS");
    io.stderr.write(`orders-pipeline: ${(err as Error)?.message ?? String(err)}\n${usage ? usageHint(argv) : ""}`);
    return 2;
  }
}

/** After a usage error: the command's usage lines and where its help is, or the overview. */
function usageHint(argv: readonly string[]): string {
  const named = commandOf(argv);
  if (!named || !Object.prototype.hasOwnProperty.call(COMMANDS, argv[0])) return `\n${USAGE}`;
  const usage = HELP[named].usage.map((u) => `  orders-pipeline ${u}`).join("\n");
  return `usage:\n${usage}\nRun \`orders-pipeline ${named} --help\` for its options, an example and its exit statuses.\n`;
}

/** Exit statuses that mean "stopped by this signal" (128 + its number), as shells report them. */
const SIGNAL_EXITS: Readonly<Record<number, NodeJS.Signals>> = { 129: "SIGHUP", 130: "SIGINT", 143: "SIGTERM" };

/**
 * The process entry point. A reader that stops early (`... | head -1`) closes our stdout:
 * that is a normal end, not an error, so EPIPE exits quietly with status 0.
 *
 * A command stopped by Ctrl-C (or SIGTERM, SIGHUP) first stops in order and reports, then ends
 * by that same signal, as a program that handles SIGINT should (https://www.cons.org/cracauer/sigint.html):
 * the caller then knows it was interrupted. It is also the only way the three spellings end
 * alike: npm runs the command through `sh -c`, and a shell that got the terminal's Ctrl-C too
 * (dash, Debian's sh) ends by SIGINT whatever the command's status, and npm after it.
 */
export function run(argv: readonly string[]): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      // A command that watches its own output (it listens here too) decides what a failed write means.
      if (stream.listenerCount("error") > 1) return;
      if (err.code === "EPIPE") process.exit(0);
      throw err;
    });
  }
  main(argv).then((code) => {
    process.exitCode = code;
    const signal = SIGNAL_EXITS[code];
    if (!signal) return;
    // Once what was written is out (a pipe may still hold it), with Node's handlers gone.
    process.stdout.write("", () =>
      process.stderr.write("", () => {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      }),
    );
  });
}
