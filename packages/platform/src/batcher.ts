/** One item waiting in a batch; the writer settles it once the item's fate is known. */
export interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface BatcherOptions<T> {
  /** a batch is written when it holds this many items… */
  maxItems: number;
  /** …or when its oldest item has waited this long */
  maxWaitMs: number;
  /** writes a batch and settles every item of it (resolve when durable, reject otherwise) */
  write: (batch: Pending<T>[]) => Promise<void>;
}

/**
 * Collects items into batches for one durable write, and tells each caller when
 * its item is stored: subscribers acknowledge a message only when its promise
 * resolves. Batches are written one after another.
 */
export class Batcher<T> {
  private buffer: Pending<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: BatcherOptions<T>) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.buffer.push({ item, resolve, reject });
      if (this.buffer.length >= this.options.maxItems) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.options.maxWaitMs);
    });
  }

  /** Writes what is buffered; resolves when every write so far has finished. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length) {
      this.writing = this.writing.then(() =>
        this.options.write(batch).catch((error: Error) => {
          for (const pending of batch) pending.reject(error);
        }),
      );
    }
    return this.writing;
  }

  /** Drops what is buffered without writing it, as a crash would: the callers' promises reject. */
  abandon(reason = 'batch abandoned'): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const pending of this.buffer) pending.reject(new Error(reason));
    this.buffer = [];
  }
}
