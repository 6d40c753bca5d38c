import * as fs from "node:fs";

/**
 * Writes `data` to `file` whole: to a file of this process's beside it, then renamed over it,
 * so that a reader (another run, a concurrent start) sees the old content or the new, never
 * half of it.
 */
export function writeWhole(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
