import * as fs from "node:fs";
import * as path from "node:path";

// DynamoDB Local's SQLite native library, loaded from where the package ships it rather than
// copied to the temporary directory at every start.
//
// DynamoDB Local (software.amazon.dynamodb...sqlite.SQLiteLibraryLoader, read with javap)
// first tries `org.sqlite.lib.path`/`org.sqlite.lib.name`; without them it copies the library
// out of its jar to java.io.tmpdir as `sqlite-392-<random uuid>-libsqlite4java.so` (0.9 MB)
// and only marks it deleteOnExit, so every JVM that does not exit cleanly (killed with its
// runner, a crash) leaves one there for good (issue 18: ~6 a test run, 953 had piled up).
// The package's DynamoDBLocal_lib holds the same libraries, byte for byte (the jar's
// native/Linux/x86_64/libsqlite4java.so is DynamoDBLocal_lib/libsqlite4java-linux-amd64.so),
// under sqlite4java's own names, one per platform.

/** sqlite4java's library file for a Node platform and architecture, as DynamoDBLocal_lib names it. */
export function sqliteLibraryName(platform: NodeJS.Platform, arch: string): string | undefined {
  const names: Record<string, string> = {
    "linux-x64": "libsqlite4java-linux-amd64.so",
    "linux-arm64": "libsqlite4java-linux-aarch64.so",
    "linux-ia32": "libsqlite4java-linux-i386.so",
    "darwin-x64": "libsqlite4java-osx-x86_64.dylib",
    "darwin-arm64": "libsqlite4java-osx-aarch64.dylib",
    "win32-x64": "sqlite4java-win32-x64.dll",
    "win32-ia32": "sqlite4java-win32-x86.dll",
  };
  return Object.hasOwn(names, `${platform}-${arch}`) ? names[`${platform}-${arch}`] : undefined;
}

/**
 * JVM flags that load the library from the package's `-Djava.library.path` directory (in the
 * package's own `args`, relative to `cwd`); none where the file is not there, so DynamoDB Local
 * falls back to its copy (a platform this table does not know still starts).
 */
export function packagedSqliteFlags(args: readonly string[], cwd: string, platform = process.platform, arch = process.arch): string[] {
  const libraryPath = args.find((a) => a.startsWith("-Djava.library.path="))?.slice("-Djava.library.path=".length);
  const name = sqliteLibraryName(platform, arch);
  if (!libraryPath || !name) return [];
  const dir = path.resolve(cwd, libraryPath);
  return fs.existsSync(path.join(dir, name)) ? [`-Dorg.sqlite.lib.path=${dir}`, `-Dorg.sqlite.lib.name=${name}`] : [];
}
