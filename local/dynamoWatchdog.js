// DynamoDB Local's JVM, run for the runner that started this process, and never outliving it.
// The runner holds this process's stdin (a pipe) open for as long as it lives; when the runner
// dies, however it dies (kill -9 included, which no handler in the runner can catch), the
// kernel closes the pipe and the JVM is killed at once. The runner starts this process in its
// own process group, so a Ctrl-C in the terminal reaches only the runner, which then decides.
//
// usage: node dynamoWatchdog.js <command> <args...>   (cwd: where the command expects to run)
// exit: the JVM's exit code; 127 if the command was not found (and "ENOENT" on stderr).
"use strict";
const { spawn } = require("node:child_process");
const os = require("node:os");

const [command, ...args] = process.argv.slice(2);
const jvm = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
const running = () => jvm.exitCode === null && jvm.signalCode === null;

jvm.once("error", (err) => {
  process.stderr.write(`dynamoWatchdog: cannot run ${command}: ${err.code || err.message}\n`);
  process.exit(err.code === "ENOENT" ? 127 : 1);
});
jvm.once("exit", (code, signal) => process.exit(code ?? 128 + (os.constants.signals[signal] || 0)));

// The runner is gone: no one will ever stop the JVM but us.
const orphaned = () => {
  if (running()) jvm.kill("SIGKILL");
};
process.stdin.on("end", orphaned);
process.stdin.on("close", orphaned);
process.stdin.on("error", orphaned);
process.stdin.resume();

// A stop asked by the runner: let the JVM shut down, but not for long.
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) {
  process.on(signal, () => {
    if (!running()) return;
    jvm.kill("SIGTERM");
    setTimeout(() => running() && jvm.kill("SIGKILL"), 2000).unref();
  });
}
