import { batchPayloadBytes, chunks } from "./batching";

// The sizes of the records a reader delivers, as the model needs them: how many, how many
// 64 KB chunks a batch of them makes, and how many chunks each makes on its own (a per-event
// billing unit, a quarantine message). Two shapes: the sizes of a sample's records, in stream
// order; or N records of one size (a local report, which has counts but no records), which
// takes constant memory whatever N is.

export interface RecordSizes {
  readonly count: number;
  /**
   * Mean 64 KB chunks of a batch of `size` records taken from these records as they repeat
   * over the month. A fractional size blends the two whole sizes around it.
   */
  chunksPerBatch(size: number): number;
  /** Sum over the records of chunks(record bytes + extra): each record's own payload. */
  chunksEach(extra?: number): number;
}

const blend = (size: number, meanFor: (k: number) => number): number => {
  const lo = Math.floor(size);
  const hi = Math.ceil(size);
  return lo === hi ? meanFor(lo) : meanFor(lo) * (hi - size) + meanFor(hi) * (size - lo);
};

/** The sizes of sampled records, in stream order. */
export class SizeList implements RecordSizes {
  private readonly bytes: number[] = [];

  get count(): number {
    return this.bytes.length;
  }

  add(bytes: number): void {
    this.bytes.push(bytes);
  }

  /** The mean over every starting record of the next `size` records, wrapping around, so each record counts equally. */
  chunksPerBatch(size: number): number {
    const n = this.bytes.length;
    if (n === 0 || size <= 0) return 0;
    const prefix = new Float64Array(2 * n + 1);
    for (let i = 0; i < 2 * n; i++) prefix[i + 1] = prefix[i] + this.bytes[i % n];
    const total = prefix[n];
    return blend(size, (k) => {
      if (k === 0) return 0;
      const laps = Math.floor(k / n);
      const rest = k % n;
      let sum = 0;
      for (let start = 0; start < n; start++) sum += chunks(batchPayloadBytes(laps * total + (prefix[start + rest] - prefix[start]), k));
      return sum / n;
    });
  }

  chunksEach(extra = 0): number {
    return this.bytes.reduce((n, b) => n + chunks(b + extra), 0);
  }
}

/** `count` records of `bytes` each. */
export class UniformSizes implements RecordSizes {
  constructor(
    readonly count: number,
    readonly bytes: number,
  ) {}

  chunksPerBatch(size: number): number {
    if (this.count === 0 || size <= 0) return 0;
    return blend(size, (k) => (k === 0 ? 0 : chunks(batchPayloadBytes(k * this.bytes, k))));
  }

  chunksEach(extra = 0): number {
    return this.count * chunks(this.bytes + extra);
  }
}
