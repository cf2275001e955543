import type { ReplicationStream } from './replication-stream';

/** The streams this process knows, by wire name. */
export class StreamRegistry {
  private readonly streams = new Map<string, ReplicationStream<unknown>>();

  constructor(streams: Iterable<ReplicationStream<unknown>> = []) {
    for (const stream of streams) this.register(stream);
  }

  register(stream: ReplicationStream<unknown>): void {
    if (this.streams.has(stream.name)) {
      throw new Error(`replication stream ${stream.name} is registered twice`);
    }
    this.streams.set(stream.name, stream);
  }

  all(): Array<ReplicationStream<unknown>> {
    return [...this.streams.values()];
  }

  get(name: string): ReplicationStream<unknown> | undefined {
    return this.streams.get(name);
  }

  /** The streams `instance` writes: those naming it as a writer, and those anyone writes. */
  writtenBy(instance: string): Array<ReplicationStream<unknown>> {
    return this.all().filter((stream) => {
      const writers = stream.writers();
      return writers.length === 0 || writers.includes(instance);
    });
  }
}
