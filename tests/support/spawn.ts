import { spawn } from "node:child_process";
import * as path from "node:path";

// Runs a command the way a user types it, as a real process in the project directory.

export const PROJECT = path.resolve(__dirname, "..", "..");

export interface Ran {
  /** Exit status, or the signal that ended the process. */
  readonly code: number | string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` through the shell (`sh -c`), exactly as written, in the project (or `cwd`: a copy of it); stdin text optional. */
export function sh(command: string, opts: { stdin?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { cwd: opts.cwd ?? PROJECT, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out after ${opts.timeoutMs ?? 60000} ms: ${command}\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? signal, stdout, stderr });
    });
    child.stdin.on("error", () => undefined); // a command may exit before reading its input
    child.stdin.end(opts.stdin ?? "");
  });
}

/** The three spellings of the command line that the README documents. */
export const SPELLINGS = {
  npmRun: "npm run --silent cli --",
  npx: "npx orders-pipeline",
  node: "node cli/bin.js",
} as const;
