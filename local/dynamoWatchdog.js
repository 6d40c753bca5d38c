// DynamoDB Local's JVM, run for the runner that started this process, and never outliving it,
// nor this process. (local/dynamoLocal.ts starts it; the runner is the `local` command.)
//
// - The runner holds this process's stdin (a pipe) and an IPC channel open for as long as it
//   lives: when the runner dies, however it dies (kill -9 included), the kernel closes both and
//   the JVM is killed at once.
// - When this process dies, however (kill -9 included), the kernel kills the JVM: either this
//   process is the first process of a PID namespace of its own (`--relay`: see below), whose
//   end takes every process in it along, or the JVM runs under `setpriv --pdeathsig KILL`
//   (util-linux), which asks the kernel to kill it when its parent, this process, dies.
// - The runner starts this process in its own process group, so a Ctrl-C in the terminal
//   reaches only the runner, which then decides; it asks for a stop with an IPC message.
//
// `--relay PORT`: this process and the JVM run in network and PID namespaces of their own
// (unshare), where the JVM listens on PORT of a loopback that nothing outside can reach. The
// runner hands over a socket it listens on at 127.0.0.1 of the machine, and this process
// forwards each connection on it to the JVM: DynamoDB Local, which has no option to listen
// on one address only, can be reached only through 127.0.0.1.
//
// usage: node dynamoWatchdog.js [--relay PORT] -- <command> <args...>   (cwd: where the command expects to run)
// exit: the JVM's exit code (128 + the signal's number if killed); 127 if the command was not found.
"use strict";
const { spawn, spawnSync } = require("node:child_process");
const net = require("node:net");
const os = require("node:os");

const argv = process.argv.slice(2);
const relayPort = argv[0] === "--relay" ? Number(argv[1]) : undefined;
const [command, ...args] = argv.slice(argv.indexOf("--") + 1);
const tell = (message) => process.connected && process.send(message);

// Outside a PID namespace of our own, the kernel's parent-death signal is what kills the JVM
// with us; `setpriv --pdeathsig` sets it (util-linux 2.33 and later). Where it is missing
// (macOS), the runner kills the JVM itself when it sees this process gone.
const pdeathsig = relayPort === undefined && spawnSync("setpriv", ["--pdeathsig", "KILL", "--", "true"], { stdio: "ignore" }).status === 0;
const jvm = pdeathsig
  ? spawn("setpriv", ["--pdeathsig", "KILL", "--", command, ...args], { stdio: ["ignore", "inherit", "inherit"] })
  : spawn(command, args, { stdio: ["ignore", "inherit", "inherit"] });
const running = () => jvm.exitCode === null && jvm.signalCode === null;

jvm.once("spawn", () => tell({ jvmPid: jvm.pid }));
jvm.once("error", (err) => {
  process.stderr.write(`dynamoWatchdog: cannot run ${command}: ${err.code || err.message}\n`);
  process.exit(err.code === "ENOENT" ? 127 : 1);
});
jvm.once("exit", (code, signal) => {
  // The runner hears how the JVM ended from us (unshare's own exit status says little).
  const status = code ?? 128 + (os.constants.signals[signal] || 0);
  if (!process.connected) process.exit(status);
  process.send({ jvmExit: { code, signal } }, () => process.exit(status));
  setTimeout(() => process.exit(status), 1000).unref();
});

// The runner is gone: no one will ever stop the JVM but us.
const orphaned = () => {
  if (running()) jvm.kill("SIGKILL");
};
process.stdin.on("end", orphaned);
process.stdin.on("close", orphaned);
process.stdin.on("error", orphaned);
process.stdin.resume();
process.on("disconnect", orphaned);

// A stop asked by the runner: let the JVM shut down, but not for long (longer while it writes
// its class archive: the runner says how long).
const stop = (graceMs = 2000) => {
  if (!running()) return;
  jvm.kill("SIGTERM");
  setTimeout(() => running() && jvm.kill("SIGKILL"), graceMs).unref();
};
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => stop());

process.on("message", (message, handle) => {
  if (message && message.stop) stop(Number.isInteger(message.graceMs) && message.graceMs > 0 ? message.graceMs : undefined);
  if (message && message.relay && handle && relayPort !== undefined) {
    handle.on("connection", (client) => {
      const upstream = net.connect(relayPort, "127.0.0.1");
      client.setNoDelay(true);
      upstream.setNoDelay(true);
      client.pipe(upstream);
      upstream.pipe(client);
      // Either side ending or failing ends both: the client sees a reset while the JVM is not
      // listening yet, and retries.
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const socket of [client, upstream]) {
        socket.on("error", end);
        socket.on("close", end);
      }
    });
    tell({ relaying: true });
  }
});
