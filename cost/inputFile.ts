import * as fs from "node:fs";

// The cost command's input files (records, scenario, report, prices, the handler profile),
// checked before they are read so that a directory, a missing or an unreadable file is named
// as such rather than surfacing as a bare EISDIR or EACCES from deep inside a reader.

/** Why `file` cannot be read as `what` ("records file", "report", ...), or undefined if it can. */
export function describeFile(file: string, what: string): string | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    return `${what} ${file}: ${reason(err as NodeJS.ErrnoException)}`;
  }
  if (stat.isDirectory()) return `${what} ${file} is a directory; give a file`;
  if (!stat.isFile()) return `${what} ${file} is not a regular file`;
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (err) {
    return `${what} ${file}: ${reason(err as NodeJS.ErrnoException)}`;
  }
  return undefined;
}

/** Throws the description if `file` cannot be read. */
export function checkReadable(file: string, what: string): void {
  const problem = describeFile(file, what);
  if (problem) throw new Error(problem);
}

/** A file error in words: what went wrong, not the errno. */
export function reason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "cannot be read: permission denied";
    case "EISDIR":
      return "is a directory; give a file";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    case "ELOOP":
      return "too many symbolic links";
    default:
      return `cannot be read (${err.message})`;
  }
}
