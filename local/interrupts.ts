// Ctrl-C for a long-running command, the way people expect it: the first one asks for a
// prompt, orderly stop (the command stops its work, prints what happened and cleans up); a
// second one exits at once. SIGTERM and SIGHUP count as Ctrl-C too (a terminal closed, a
// process manager stopping us), so that they also get the orderly stop first.

export const INTERRUPT_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

const EXIT_CODES: Record<InterruptSignal, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

interface SignalSource {
  on(signal: InterruptSignal, listener: () => void): unknown;
  off(signal: InterruptSignal, listener: () => void): unknown;
}

export class Interrupts {
  private readonly controller = new AbortController();
  private readonly listeners = new Map<InterruptSignal, () => void>();
  /** The first signal received, if any. */
  received?: InterruptSignal;

  constructor(
    private readonly hooks: {
      /** The first signal: the command should stop promptly (the abort signal fires too). */
      readonly onFirst: (signal: InterruptSignal) => void;
      /** The second: exit now with this code (the default: process.exit). */
      readonly exitNow?: (code: number) => void;
    },
    private readonly source: SignalSource = process,
  ) {}

  /** Aborts on the first signal. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Set by stop(): the exit code of a run stopped for another cause than a signal. */
  private stoppedWith?: number;

  /** The exit code for an interrupted run (128 + the signal's number), or the one given to stop(). */
  get exitCode(): number {
    return this.received ? EXIT_CODES[this.received] : (this.stoppedWith ?? 0);
  }

  /**
   * Stops the run as the first signal would (the abort signal fires), for another cause: its
   * output closed, a service it needs died. The caller says why; a signal after this still
   * exits at once.
   */
  stop(exitCode: number): void {
    if (this.signal.aborted) return;
    this.stoppedWith = exitCode;
    this.controller.abort();
  }

  install(): this {
    for (const name of INTERRUPT_SIGNALS) {
      const listener = () => this.onSignal(name);
      this.listeners.set(name, listener);
      this.source.on(name, listener);
    }
    return this;
  }

  uninstall(): void {
    for (const [name, listener] of this.listeners) this.source.off(name, listener);
    this.listeners.clear();
  }

  private onSignal(name: InterruptSignal): void {
    if (!this.received && !this.signal.aborted) {
      this.received = name;
      this.controller.abort();
      this.hooks.onFirst(name);
      return;
    }
    (this.hooks.exitNow ?? ((code: number) => process.exit(code)))(EXIT_CODES[name]);
  }
}
