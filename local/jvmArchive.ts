import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { writeWhole } from "./writeWhole";

// DynamoDB Local's JVM, started from a class-data sharing archive of its own classes (the
// JDK's AppCDS: the classes parsed and verified once, then mapped at every start). Measured
// here (Java 17, 2 cores): DynamoDB Local answers after ~1.3 s instead of ~2.2 s, with ~1.4 s
// of CPU instead of ~2.4 s. The archive is made by the first run that finds none, when its
// JVM shuts down (-XX:ArchiveClassesAtExit, JDK 13+; it takes ~2 s more at that stop), and is
// used by every later start (-XX:SharedArchiveFile).
//
// Java refuses to archive DynamoDBLocal.jar as shipped: its manifest's Class-Path starts with
// ".", a directory with files in it ("Cannot have non-empty directory in paths"). So the JVM
// runs a copy of the jar whose manifest entry is renamed (same length: no other byte moves),
// with the manifest's other Class-Path entries on -cp, in their order, and its Main-Class
// named. "." only added the jar's own directory (license and readme files) to the class path.
//
// Never a reason for DynamoDB Local not to start: anything unexpected (a jar this code does not
// understand, no writable cache) means the package's own command line; an archive is only
// kept if its JVM ended cleanly (a truncated one crashes the JVM that maps it, SIGBUS), and
// one that fails a start anyway is deleted and the start is made again without it.

/** The JVM's exit, as its watchdog reports it. */
export interface JvmExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface JvmLaunch {
  /** Replaces the package's `-jar <jar>`. */
  readonly args: readonly string[];
  /** The archive this JVM maps, if any. */
  readonly archive?: string;
  /** This JVM writes the archive when it shuts down (its stop takes longer). */
  readonly dumping: boolean;
  /** Once the JVM has ended: keeps the archive it wrote if it ended cleanly, else drops it. */
  settle(exit: JvmExit | undefined): void;
  /** The start failed while mapping the archive: delete it. */
  discard(): void;
}

/** How long a stop waits for a JVM writing its archive (~2 s here) before it kills it. */
export const DUMP_GRACE_MS = 15000;
/** A lock older than this belongs to a run that died before its JVM could finish. */
const STALE_LOCK_MS = 120000;
const MANIFEST = "META-INF/MANIFEST.MF";
/** The manifest's new name in the copy: as long as the old one, so no offset changes. */
export const RENAMED_MANIFEST = "META-INF/ORIGINAL.MF";
// The JVM says nothing of the archive it makes or maps (classes it cannot archive, such as
// pre-Java 6 ones, are warnings otherwise). Should one crash it anyway, its crash report goes
// to the temporary directory, not into node_modules (its working directory).
const QUIET = ["-Xlog:cds=off", "-Xlog:cds+dynamic=off", `-XX:ErrorFile=${path.join(os.tmpdir(), "dynamodb-local-hs_err_pid%p.log")}`];

interface ZipEntry {
  readonly name: string;
  /** Where its name starts in the central directory and in its local header. */
  readonly centralNameAt: number;
  readonly localNameAt: number;
  readonly method: number;
  readonly compressedSize: number;
  readonly dataAt: number;
}

/** The entries of a zip file (not zip64), from its central directory; throws on anything else. */
export function zipEntries(zip: Buffer): ZipEntry[] {
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new Error("no end of central directory");
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || at === 0xffffffff) throw new Error("a zip64 archive");
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`no central directory header at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`no local header at ${local}`);
    const localNameLength = zip.readUInt16LE(local + 26);
    entries.push({
      name: zip.toString("utf8", at + 46, at + 46 + nameLength),
      centralNameAt: at + 46,
      localNameAt: local + 30,
      method: zip.readUInt16LE(at + 10),
      compressedSize: zip.readUInt32LE(at + 20),
      dataAt: local + 30 + localNameLength + zip.readUInt16LE(local + 28),
    });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

function entryText(zip: Buffer, e: ZipEntry): string {
  const data = zip.subarray(e.dataAt, e.dataAt + e.compressedSize);
  if (e.method === 0) return data.toString("utf8");
  if (e.method === 8) return zlib.inflateRawSync(data).toString("utf8");
  throw new Error(`${e.name} is compressed by method ${e.method}`);
}

/** A manifest's main attributes (continuation lines joined). */
export function manifestAttributes(text: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const line of text.replace(/\r\n?/g, "\n").replace(/\n /g, "").split("\n")) {
    if (line === "") break; // the main section ends at the first blank line
    const colon = line.indexOf(": ");
    if (colon > 0) attributes.set(line.slice(0, colon), line.slice(colon + 2));
  }
  return attributes;
}

/** The jar without a manifest (renamed in place), with the manifest's Main-Class and Class-Path. */
export function withoutManifest(jar: Buffer): { readonly jar: Buffer; readonly mainClass: string; readonly classPath: readonly string[] } {
  const entries = zipEntries(jar);
  const manifest = entries.filter((e) => e.name === MANIFEST);
  if (manifest.length !== 1) throw new Error(`${manifest.length} manifests`);
  // A signed jar's signature covers its manifest.
  if (entries.some((e) => /^META-INF\/[^/]+\.(SF|RSA|DSA|EC)$/i.test(e.name))) throw new Error("a signed jar");
  if (entries.some((e) => e.name === RENAMED_MANIFEST)) throw new Error(`it already has ${RENAMED_MANIFEST}`);
  const attributes = manifestAttributes(entryText(jar, manifest[0]));
  const mainClass = attributes.get("Main-Class");
  if (!mainClass) throw new Error("no Main-Class");
  const copy = Buffer.from(jar);
  for (const at of [manifest[0].centralNameAt, manifest[0].localNameAt]) {
    if (copy.toString("utf8", at, at + MANIFEST.length) !== MANIFEST) throw new Error("the local header names another entry");
    copy.write(RENAMED_MANIFEST, at, "utf8");
  }
  return { jar: copy, mainClass, classPath: (attributes.get("Class-Path") ?? "").split(" ").filter((p) => p !== "") };
}

/** `java` as found on PATH, with what identifies its build. */
function javaIdentity(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir === "") continue;
    try {
      const real = fs.realpathSync(path.join(dir, "java"));
      const st = fs.statSync(real);
      if (st.isFile()) return `${real} ${st.size} ${st.mtimeMs}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * How to launch the JVM for the package's arguments `packageArgs` (run from `cwd`): from the
 * archive in `cacheDir` when there is one, making it when there is none; the package's own
 * arguments when anything is unexpected.
 */
export function jvmLaunch(packageArgs: readonly string[], cwd: string, cacheDir: string, jvmFlags: readonly string[]): JvmLaunch {
  const plain: JvmLaunch = { args: packageArgs, dumping: false, settle: () => undefined, discard: () => undefined };
  const jarAt = packageArgs.indexOf("-jar");
  const java = javaIdentity();
  if (jarAt < 0 || jarAt + 1 >= packageArgs.length || java === undefined) return plain;
  try {
    const jarPath = path.resolve(cwd, packageArgs[jarAt + 1]);
    const jarStat = fs.statSync(jarPath);
    const key = crypto.createHash("sha256").update(JSON.stringify([jarPath, jarStat.size, jarStat.mtimeMs, java, jvmFlags, process.arch])).digest("hex").slice(0, 16);
    const dir = path.join(cacheDir, key);
    const copy = path.join(dir, path.basename(jarPath));
    const launchFile = path.join(dir, "launch.json");
    let launch: { mainClass: string; classPath: string[] };
    try {
      launch = JSON.parse(fs.readFileSync(launchFile, "utf8"));
    } catch {
      const made = withoutManifest(fs.readFileSync(jarPath));
      const jarDir = path.dirname(jarPath);
      // The manifest's jars, relative to the jar's directory, in its order. Not its other
      // entries: "." (see above), a log4j2.xml that does not exist, and the native SQLite
      // libraries (loaded from java.library.path; on the class path they are files Java
      // ignores, and it then finds the class path changed since the archive was made).
      const classPath = made.classPath.filter((p) => p.endsWith(".jar")).map((p) => path.resolve(jarDir, p)).filter((p) => fs.existsSync(p));
      // Other keys' directories are for an older jar or Java: ~37 MB each.
      fs.mkdirSync(dir, { recursive: true });
      for (const other of fs.readdirSync(cacheDir)) if (other !== key) fs.rmSync(path.join(cacheDir, other), { recursive: true, force: true });
      writeWhole(copy, made.jar);
      launch = { mainClass: made.mainClass, classPath };
      writeWhole(launchFile, JSON.stringify(launch));
    }
    const base = [...QUIET, "-cp", [copy, ...launch.classPath].join(path.delimiter), launch.mainClass];
    const before = packageArgs.slice(0, jarAt);
    const after = packageArgs.slice(jarAt + 2);
    const archive = path.join(dir, "classes.jsa");
    if (fs.existsSync(archive)) {
      return {
        args: [...before, `-XX:SharedArchiveFile=${archive}`, ...base, ...after],
        archive,
        dumping: false,
        settle: () => undefined,
        discard: () => fs.rmSync(archive, { force: true }),
      };
    }
    const lock = path.join(dir, "classes.jsa.lock");
    // Another run's JVM is writing it: this one runs from the copy, without an archive.
    if (!takeLock(lock)) return { ...plain, args: [...before, ...base, ...after] };
    // What a run killed while its JVM was writing left behind.
    for (const name of fs.readdirSync(dir)) if (name.endsWith(".jsa.partial")) fs.rmSync(path.join(dir, name), { force: true });
    const partial = path.join(dir, `classes.${process.pid}.jsa.partial`);
    let settled = false;
    const settle = (exit: JvmExit | undefined) => {
      if (settled) return;
      settled = true;
      // SIGTERM's orderly shutdown ends with 143; anything else may have cut the dump short.
      const clean = exit !== undefined && exit.signal === null && (exit.code === 143 || exit.code === 0);
      try {
        if (clean && fs.statSync(partial).size > 0) fs.renameSync(partial, archive);
      } catch {
        // no archive this time; the next run makes one
      }
      fs.rmSync(partial, { force: true });
      fs.rmSync(lock, { force: true });
    };
    return { args: [...before, `-XX:ArchiveClassesAtExit=${partial}`, ...base, ...after], dumping: true, settle, discard: () => settle(undefined) };
  } catch {
    return plain;
  }
}

/** One JVM at a time writes the archive; a lock left by a run that died is taken over. */
function takeLock(lock: string): boolean {
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: "wx" });
      return true;
    } catch {
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs < STALE_LOCK_MS) return false;
        fs.rmSync(lock, { force: true });
      } catch {
        return false;
      }
    }
  }
  return false;
}
