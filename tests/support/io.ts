import { PassThrough, Readable } from "node:stream";
import type { Io } from "../../cli/io";
import { main } from "../../cli/main";

/** Runs the CLI in-process with `stdin` text; returns exit code and what it wrote. */
export async function runCli(args: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const out = new PassThrough();
  const err = new PassThrough();
  out.on("data", (d) => (stdout += d.toString()));
  err.on("data", (d) => (stderr += d.toString()));
  const io: Io = { stdin: Readable.from([stdin]), stdout: out, stderr: err };
  const code = await main(args, io);
  return { code, stdout, stderr };
}
