import { All, Controller, Req, Res, UseGuards } from '@nestjs/common';
import { ApiResource, Public } from '@chat/platform';
import { MatrixError } from '@chat/protocol';
import type { Request, Response } from 'express';
import {
  REPLICATION_PREFIX,
  STREAM_POSITIONS_KEY,
  type JsonObject,
  type ReplicationReply,
} from './replication-endpoint';
import { ReplicationEndpointRegistry } from './replication-endpoint.registry';
import { parsePathArgs, splitReplicationPath } from './replication-path';
import { ReplicationSecretGuard } from './replication-secret.guard';
import {
  LocalStreamPositions,
  parseCallerPositions,
  StreamPositionWaiter,
} from './stream-positions';
import { TxnResponseCache } from './txn-response.cache';

/**
 * Every replication endpoint behind one route (§6): only on `replication` listeners (the
 * platform's resource guard answers 404 elsewhere), only with the shared secret. The caller's
 * `Authorization` carries that secret, not an access token, hence `@Public()`.
 */
@ApiResource('replication')
@Public()
@UseGuards(ReplicationSecretGuard)
@Controller(REPLICATION_PREFIX.slice(1))
export class ReplicationController {
  constructor(
    private readonly registry: ReplicationEndpointRegistry,
    private readonly cache: TxnResponseCache,
    private readonly positions: LocalStreamPositions,
    private readonly waiter: StreamPositionWaiter,
  ) {}

  @All('*path')
  async serve(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<JsonObject> {
    const route = splitReplicationPath(req.path);
    const endpoint = route && this.registry.mounted(route.name);
    if (!route || !endpoint) throw MatrixError.unrecognized();
    const { spec, handler } = endpoint;
    if (req.method !== spec.method) throw MatrixError.unrecognized(405);
    const { args, txnId } = parsePathArgs(spec, route.segments);

    // The platform's body middleware has made a POST/PUT body a JSON object (or answered 400).
    const payload = (spec.method === 'GET' ? req.query : req.body) as JsonObject | undefined;
    const { [STREAM_POSITIONS_KEY]: sent, ...body } = payload ?? {};
    const caller = sent === undefined ? undefined : parseCallerPositions(sent);
    if (spec.waitForStreams && caller) {
      await this.waiter.waitFor(caller.instance_name, caller.streams, `${spec.name} request`);
    }

    const context = { caller: caller?.instance_name, txnId };
    const run = () => handler(args, body, context);
    const reply: ReplicationReply = txnId
      ? await this.cache.wrap(`${spec.name}/${txnId}`, run)
      : await run();
    res.status(reply.status ?? 200);
    return spec.waitForStreams
      ? { ...reply.body, [STREAM_POSITIONS_KEY]: this.positions.current() }
      : reply.body;
  }
}
