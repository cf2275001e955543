/**
 * mulberry32: a 32-bit seeded PRNG, small and fast enough for names and choices. The same seed
 * gives the same user names, passwords, transaction ids and room choices on every run.
 */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** `chars` lower-case hex digits. */
  hex(chars: number): string {
    let out = '';
    while (out.length < chars)
      out += Math.floor(this.next() * 0x10000)
        .toString(16)
        .padStart(4, '0');
    return out.slice(0, chars);
  }

  /**
   * The k-th choice in [0, n) of the stream `seed`, independent of call order: concurrent loops
   * claim indices in whatever order their responses come back, and still pick what a rerun picks.
   */
  static pick(seed: number, k: number, n: number): number {
    return new Prng((seed ^ Math.imul(k + 1, 0x9e3779b9)) >>> 0).int(n);
  }
}

/** User names, passwords and transaction ids derived from the run's seed. */
export class Naming {
  private readonly tag: string;
  private txn = 0;

  constructor(readonly seed: number) {
    this.tag = (seed >>> 0).toString(36);
  }

  /** `b<seed>_<role><i>`: valid in every server's localpart grammar (a-z, 0-9, `_`). */
  localpart(role: string, i: number): string {
    return `b${this.tag}_${role}${i}`;
  }

  password(localpart: string): string {
    let hash = this.seed >>> 0;
    for (const c of localpart) hash = Math.imul(hash ^ c.charCodeAt(0), 0x01000193) >>> 0;
    return new Prng(hash).hex(24);
  }

  /** Unique within the run and the seed (servers de-duplicate on access token + txn id). */
  txnId(): string {
    return `b${this.tag}.${this.txn++}`;
  }
}
