import { randomInt } from 'node:crypto';
import type { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, type OnModuleDestroy } from '@nestjs/common';
import type { InstanceLocation } from '@chat/config';
import { MatrixError } from '@chat/protocol';
import {
  servesPlacement,
  STREAM_POSITIONS_KEY,
  type JsonObject,
  type ReplicationEndpointSpec,
} from './replication-endpoint';
import { replicationAttempts } from './replication-client.metrics';
import type { ReplicationHttpSettings } from './replication-http.settings';
import { replicationPath } from './replication-path';
import {
  AttemptError,
  instanceAgent,
  sendOnce,
  type RawResponse,
  type ReplicationRequest,
} from './replication-request';
import { retryDelayMs } from './replication-retry.policy';
import {
  isObject,
  parseTokens,
  type CallerPositions,
  type LocalStreamPositions,
  type StreamPositionWaiter,
} from './stream-positions';

export interface ReplicationCallOptions {
  /**
   * `Date.now()` after which the call stops retrying and fails with 502. Without one, a
   * timed-out call is retried until it gets an answer (§6.4).
   */
  deadline?: number;
}

const TXN_ID_LENGTH = 10;
const TXN_ID_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** One per logical call and reused by its retries, so the server runs the call once (§6.4). */
export function randomTxnId(): string {
  return Array.from(
    { length: TXN_ID_LENGTH },
    () => TXN_ID_LETTERS[randomInt(TXN_ID_LETTERS.length)],
  ).join('');
}

/**
 * Calls another instance's replication endpoint (§6): addresses it through `instance_map`,
 * authenticates with the shared secret, piggybacks positions both ways, retries as §6.4 says,
 * and turns the outcome into what the caller's own client should see — the remote Matrix error
 * as it was, or 502 when the other process could not be reached.
 */
export class ReplicationClient implements OnModuleDestroy {
  private readonly logger = new Logger(ReplicationClient.name);
  private readonly agents = new Map<string, Agent>();

  constructor(
    private readonly settings: ReplicationHttpSettings,
    private readonly positions: LocalStreamPositions,
    private readonly waiter: StreamPositionWaiter,
  ) {}

  async call<PathArg extends string, Body extends object, Result extends object>(
    target: string,
    spec: ReplicationEndpointSpec<PathArg, Body, Result>,
    args: Readonly<Record<PathArg, string>>,
    body: Body,
    options: ReplicationCallOptions = {},
  ): Promise<Result> {
    const location = this.locate(target, spec);
    const reply = await this.send(target, spec, location, this.request(spec, args, body), options);
    const { [STREAM_POSITIONS_KEY]: positions, ...result } = reply;
    if (spec.waitForStreams && positions !== undefined) {
      const tokens = parseTokens(positions);
      if (!tokens) throw this.unreachable(target, spec, new Error('malformed stream positions'));
      await this.waiter.waitFor(target, tokens, `${spec.name} reply from ${target}`);
    }
    return result as Result;
  }

  onModuleDestroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  /** Calling oneself or an instance that cannot serve the endpoint is a bug or a bad config. */
  private locate(
    target: string,
    spec: ReplicationEndpointSpec<string, object, object>,
  ): InstanceLocation {
    const me = this.settings.instanceName;
    if (target === me) {
      throw new Error(`${me} called its own replication endpoint ${spec.name}; run it locally`);
    }
    const location = this.settings.instanceMap[target];
    if (!location) throw new Error(`replication target "${target}" is not in instance_map`);
    if (!servesPlacement(spec.onlyOn, target, this.settings.streamWriters)) {
      throw new Error(`${target} does not serve ${spec.name}: it runs only on ${spec.onlyOn}`);
    }
    return location;
  }

  private request(
    spec: ReplicationEndpointSpec<string, object, object>,
    args: Readonly<Record<string, string>>,
    body: object,
  ): ReplicationRequest {
    const path = replicationPath(spec, args, spec.cacheable ? randomTxnId() : undefined);
    const headers: Record<string, string> = {};
    if (this.settings.secret) headers['Authorization'] = `Bearer ${this.settings.secret}`;
    if (spec.method === 'GET') {
      const query = new URLSearchParams(
        Object.entries(body).map(([key, value]): [string, string] => [key, String(value)]),
      ).toString();
      return { method: 'GET', path: query ? `${path}?${query}` : path, headers };
    }
    const positions: CallerPositions = {
      streams: this.positions.current(),
      instance_name: this.settings.instanceName,
    };
    const json = JSON.stringify(
      spec.waitForStreams ? { ...body, [STREAM_POSITIONS_KEY]: positions } : body,
    );
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(json));
    return { method: spec.method, path, headers, body: json };
  }

  private async send(
    target: string,
    spec: ReplicationEndpointSpec<string, object, object>,
    location: InstanceLocation,
    request: ReplicationRequest,
    { deadline = Infinity }: ReplicationCallOptions,
  ): Promise<JsonObject> {
    const attempts = replicationAttempts();
    const agent = this.agentFor(target, location);
    let connectFailures = 0;
    for (;;) {
      const timeoutMs = Math.max(
        1,
        Math.min(this.settings.requestTimeoutMs, deadline - Date.now()),
      );
      let failed: AttemptError;
      try {
        const response = await sendOnce(location, agent, request, timeoutMs);
        attempts.inc({ endpoint: spec.name, result: String(response.status) });
        // A proxy's or the server's own gateway timeout: the work may still be running there.
        if (response.status !== 504) return this.interpret(target, spec, response);
        failed = new AttemptError('timeout', new Error(`${target} answered 504`));
      } catch (error) {
        if (!(error instanceof AttemptError)) throw error;
        failed = error;
        attempts.inc({ endpoint: spec.name, result: failed.failure });
      }
      if (failed.failure === 'connect') connectFailures++;
      const delay = retryDelayMs(failed.failure, connectFailures, spec, this.settings.retry);
      if (delay === null || Date.now() + delay >= deadline) {
        throw this.unreachable(target, spec, failed);
      }
      this.logger.warn(
        `${spec.name} request to ${target} failed (${failed.failure}: ${failed.message}); retrying in ${delay} ms`,
      );
      await sleep(delay);
    }
  }

  /** A success is a JSON object; an error is re-raised as the Matrix error it was. */
  private interpret(
    target: string,
    spec: ReplicationEndpointSpec<string, object, object>,
    { status, text }: RawResponse,
  ): JsonObject {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status >= 200 && status < 300) {
      if (isObject(json)) return json;
      throw this.unreachable(target, spec, new Error('reply is not a JSON object'));
    }
    const { errcode, error, ...extra } = isObject(json) ? json : {};
    throw new MatrixError(
      status,
      typeof errcode === 'string' ? errcode : 'M_UNKNOWN',
      typeof error === 'string' ? error : `${target} answered ${status}`,
      extra,
    );
  }

  private unreachable(
    target: string,
    spec: ReplicationEndpointSpec<string, object, object>,
    cause: Error,
  ): MatrixError {
    this.logger.warn(`${spec.name} request to ${target} failed for good: ${cause.message}`);
    return MatrixError.unknown(`Failed to talk to ${target} process`, 502);
  }

  private agentFor(target: string, location: InstanceLocation): Agent {
    let agent = this.agents.get(target);
    if (!agent) {
      agent = instanceAgent(location);
      this.agents.set(target, agent);
    }
    return agent;
  }
}
