import { EventEmitter } from 'node:events';
import { serializeCommand } from '../commands/command-codec';
import type { ReplicationCommand } from '../commands/replication-command';
import { type ChannelSuffix, channelSuffixFor } from './channels';
import { seededRandom } from './seeded-random';
import { ReplicationTransportBase } from './transport-base';

type Listener = (publisher: string, line: string) => void;

/**
 * The bus inside one Node process: the monolith's, and the one tests run several simulated
 * processes on. Lines are serialized and parsed as on Redis.
 */
export class InProcessReplicationHub {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  /** Delivery is always asynchronous, so a handler that publishes never re-enters another. */
  publish(channel: '' | ChannelSuffix, publisher: string, line: string): void {
    setImmediate(() => this.emitter.emit(channel, publisher, line));
  }

  subscribe(channel: '' | ChannelSuffix, listener: Listener): () => void {
    this.emitter.on(channel, listener);
    return () => this.emitter.off(channel, listener);
  }
}

/**
 * Rough delivery for tests: messages are held back and reordered across publishers, never within
 * one (Redis keeps each publisher's order), and a message is only lost together with the
 * subscription (Redis drops slow or broken subscribers, not single messages), so the loss is always
 * seen by the connection-lost handler and the connected hooks. Duplicates go beyond Redis: a
 * receiver must shrug them off anyway, since catch-up and live rows overlap after a reconnect.
 */
export interface DeliveryTorture {
  /** Seed of every random choice, so that a failing run can be replayed. */
  seed: number;
  /** Messages are handed over in batches of up to this many, publishers interleaved at random. */
  shuffleWindow?: number;
  /** How long a partial batch waits, and how long a lost subscription stays lost. */
  delayMs?: number;
  /** Chance, per inbound message, that the subscription is lost instead. */
  dropProbability?: number;
  /** Chance, per inbound message, that it is delivered twice in a row. */
  duplicateProbability?: number;
}

export interface InProcessReplicationTransportOptions {
  instanceName: string;
  extraChannels?: readonly ChannelSuffix[];
  torture?: DeliveryTorture;
}

interface Held {
  publisher: string;
  line: string;
}

export class InProcessReplicationTransport extends ReplicationTransportBase {
  private subscriptions: Array<() => void> = [];
  private linked = false;
  private held: Held[] = [];
  private flushTimer?: NodeJS.Timeout;
  private relinkTimer?: NodeJS.Timeout;
  private readonly torture?: { options: DeliveryTorture; random: () => number };
  /** Messages the torture delivered twice. */
  duplicated = 0;

  constructor(
    private readonly hub: InProcessReplicationHub,
    private readonly options: InProcessReplicationTransportOptions,
  ) {
    super(options.instanceName, InProcessReplicationTransport.name);
    if (options.torture) {
      this.torture = { options: options.torture, random: seededRandom(options.torture.seed) };
    }
  }

  get connected(): boolean {
    return this.linked;
  }

  publish(cmd: ReplicationCommand): boolean {
    const line = serializeCommand(cmd);
    if (!this.linked) return false;
    this.hub.publish(channelSuffixFor(cmd), this.instanceName, line);
    return true;
  }

  async stop(): Promise<void> {
    this.linked = false;
    for (const unsubscribe of this.subscriptions) unsubscribe();
    this.subscriptions = [];
    clearTimeout(this.flushTimer);
    clearTimeout(this.relinkTimer);
    this.held = [];
  }

  protected async open(): Promise<void> {
    for (const channel of ['', ...(this.options.extraChannels ?? [])] as const) {
      this.subscriptions.push(
        this.hub.subscribe(channel, (publisher, line) => this.arrive(publisher, line)),
      );
    }
    await this.link();
  }

  private async link(): Promise<void> {
    this.linked = true;
    await this.runConnectedHooks();
  }

  private arrive(publisher: string, line: string): void {
    if (!this.linked) return;
    if (!this.torture) {
      this.receive(line);
      return;
    }
    const { options, random } = this.torture;
    if (random() < (options.dropProbability ?? 0)) {
      this.loseSubscription(random, options.delayMs ?? 0);
      return;
    }
    this.held.push({ publisher, line });
    if (random() < (options.duplicateProbability ?? 0)) {
      this.held.push({ publisher, line });
      this.duplicated++;
    }
    if (this.held.length >= (options.shuffleWindow ?? 1)) {
      this.flush(random);
    } else {
      this.flushTimer ??= setTimeout(() => this.flush(random), options.delayMs ?? 0);
    }
  }

  private flush(random: () => number): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.held;
    this.held = [];
    for (const line of interleave(batch, random)) this.receive(line);
  }

  /** What arrived before the loss is delivered; what arrives until the relink is gone. */
  private loseSubscription(random: () => number, delayMs: number): void {
    this.flush(random);
    this.linked = false;
    this.connectionLost();
    this.relinkTimer = setTimeout(() => void this.link(), delayMs);
  }
}

/** A random merge of the publishers' queues: each publisher's messages keep their order. */
function interleave(batch: readonly Held[], random: () => number): string[] {
  const queues = new Map<string, string[]>();
  for (const { publisher, line } of batch) {
    const queue = queues.get(publisher) ?? [];
    queue.push(line);
    queues.set(publisher, queue);
  }
  const out: string[] = [];
  const live = [...queues.values()];
  while (live.length > 0) {
    const at = Math.floor(random() * live.length);
    out.push(live[at].shift() as string);
    if (live[at].length === 0) live.splice(at, 1);
  }
  return out;
}
