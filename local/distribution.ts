// A summary of measurements (latencies, durations, batch sizes) that does not keep every
// value, so that a `local --watch` running for days uses bounded memory: values are counted
// per three significant digits (1234.5 counts as 1230; integers below 1000 exactly), which
// bounds the number of counters by the range of the values, not by how many there are.
// Count, min, max and mean are exact; a percentile is exact to three significant digits.

export interface Summary {
  readonly count: number;
  readonly min: number | null;
  readonly p50: number | null;
  readonly p99: number | null;
  readonly mean: number | null;
  readonly max: number | null;
}

function bucketOf(value: number): number {
  return value === 0 ? 0 : Number(value.toPrecision(3));
}

export class Distribution {
  private readonly counters = new Map<number, number>();
  private total = 0;
  private sum = 0;
  private lowest = Infinity;
  private highest = -Infinity;

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    const bucket = bucketOf(value);
    this.counters.set(bucket, (this.counters.get(bucket) ?? 0) + 1);
    this.total++;
    this.sum += value;
    if (value < this.lowest) this.lowest = value;
    if (value > this.highest) this.highest = value;
  }

  get count(): number {
    return this.total;
  }

  /** How many counters are kept (bounded by the values' range, whatever their number). */
  get counterCount(): number {
    return this.counters.size;
  }

  /** Nearest-rank percentile (p in 0..100); undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.total === 0) return undefined;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (const bucket of [...this.counters.keys()].sort((a, b) => a - b)) {
      seen += this.counters.get(bucket) as number;
      if (seen >= rank) return Math.min(this.highest, Math.max(this.lowest, bucket));
    }
    return this.highest;
  }

  summary(): Summary {
    if (this.total === 0) return { count: 0, min: null, p50: null, p99: null, mean: null, max: null };
    return {
      count: this.total,
      min: this.lowest,
      p50: this.percentile(50) as number,
      p99: this.percentile(99) as number,
      mean: this.sum / this.total,
      max: this.highest,
    };
  }
}
