/** Runs fn while capturing what is written to stdout (Powertools logs and EMF metrics go there). */
export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const original = process.stdout.write.bind(process.stdout);
  let text = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    return true;
  }) as typeof process.stdout.write;
  try {
    const result = await fn();
    return { result, lines: text.split("\n").filter((l) => l.trim() !== "") };
  } finally {
    process.stdout.write = original;
  }
}
