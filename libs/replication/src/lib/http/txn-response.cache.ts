import type { OnModuleDestroy } from '@nestjs/common';

interface Entry {
  response: Promise<unknown>;
  expiry?: NodeJS.Timeout;
}

/**
 * Responses by txn id (§6.4): a retried request gets the first attempt's response instead of
 * redoing the work, and one arriving while the first still runs waits for the same promise.
 * Failures are forgotten at once, so a retry after an error really retries.
 */
export class TxnResponseCache implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly keepMs: number) {}

  wrap<T>(key: string, run: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(key);
    if (cached) return cached.response as Promise<T>;
    const response = Promise.resolve().then(run);
    const entry: Entry = { response };
    this.entries.set(key, entry);
    response.then(
      () => {
        entry.expiry = setTimeout(() => this.entries.delete(key), this.keepMs).unref();
      },
      () => this.entries.delete(key),
    );
    return response;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forgets everything, so no expiry timer outlives the app. */
  onModuleDestroy(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.expiry);
    this.entries.clear();
  }
}
