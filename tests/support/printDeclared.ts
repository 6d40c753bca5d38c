// Run as a script in a copy of the project (tests/addRoute.e2e.test.ts): evaluates that
// copy's program under Pulumi's mocks for a stack and prints what it declares, as JSON on
// stdout; a program that refuses to evaluate prints its error on stderr and exits 1.
import { evaluateProgram } from "../../local/evaluateProgram";

evaluateProgram(process.argv[2] ?? "dev").then(
  (declared) => process.stdout.write(`${JSON.stringify({ resources: declared.resources, outputs: declared.outputs })}\n`),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
