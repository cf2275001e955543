import { Inject, Injectable, Logger } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { HOMESERVER_CONFIG, type Requester } from '@chat/platform';
import { MatrixError, parseUserId } from '@chat/protocol';
import { DeviceStore, ToDeviceStore, type ToDeviceMessage } from '@chat/storage';

import type { StreamWriteBody } from '../common/stream-write-ops';
import { StreamWrites } from '../common/stream-writes';
import { StreamNotifier } from './stream-notifier';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `sendToDevice`: messages for local devices are queued for their next sync; `*` means every
 * device of the user. Messages for other servers wait for federation. The request is checked and
 * its devices resolved where it arrives; the `to_device` writer queues the messages.
 */
@Injectable()
export class ToDeviceService {
  private readonly logger = new Logger(ToDeviceService.name);

  constructor(
    @Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig,
    private readonly devices: DeviceStore,
    private readonly toDevice: ToDeviceStore,
    private readonly notifier: StreamNotifier,
    private readonly writes: StreamWrites,
  ) {
    writes.serve('send_to_device', (body) => this.queue(body));
  }

  async send(
    requester: Requester,
    type: string,
    txnId: string,
    body: Record<string, unknown>,
  ): Promise<void> {
    const messages = body['messages'];
    if (!isObject(messages)) throw MatrixError.badJson('messages must be an object');
    const queued: Record<string, Record<string, Record<string, unknown>>> = {};
    for (const [userId, byDevice] of Object.entries(messages)) {
      const user = parseUserId(userId);
      if (!user) throw MatrixError.badJson(`Invalid user id ${userId}`);
      if (!isObject(byDevice)) throw MatrixError.badJson(`messages.${userId} must be an object`);
      const contents = Object.entries(byDevice);
      for (const [, content] of contents) {
        if (!isObject(content)) throw MatrixError.badJson('message content must be an object');
      }
      if (user.serverName !== this.config.serverName) {
        this.logger.warn(`to-device message for ${userId} dropped: federation is not built yet`);
        continue;
      }
      const known = new Set((await this.devices.listDevices(userId)).map((d) => d.deviceId));
      const targets = new Map<string, Record<string, unknown>>();
      for (const [deviceId, content] of contents) {
        // A named device overrides `*` for that device.
        if (deviceId === '*') {
          for (const id of known)
            if (!targets.has(id)) targets.set(id, content as Record<string, unknown>);
        } else if (known.has(deviceId)) {
          targets.set(deviceId, content as Record<string, unknown>);
        }
      }
      // Device ids are the client's words: own properties only (`__proto__` included).
      if (targets.size > 0) queued[userId] = Object.fromEntries(targets);
    }
    // Sent even when nothing is left: the writer records the transaction id either way.
    await this.writes.write('send_to_device', {
      sender_user_id: requester.userId,
      sender_device_id: requester.deviceId,
      txn_id: txnId,
      type,
      messages: queued,
    });
  }

  /** `send_to_device` on the writer: one stream position for the whole request. */
  private async queue(body: StreamWriteBody<'send_to_device'>): Promise<void> {
    const queued: ToDeviceMessage[] = [];
    for (const [userId, byDevice] of Object.entries(body.messages)) {
      if (!isObject(byDevice)) throw MatrixError.badJson(`messages.${userId} must be an object`);
      for (const [deviceId, content] of Object.entries(byDevice)) {
        if (!isObject(content)) throw MatrixError.badJson('message content must be an object');
        queued.push({ userId, deviceId, type: body.type, content });
      }
    }
    const { streamId } = await this.toDevice.addMessages(
      { userId: body.sender_user_id, deviceId: body.sender_device_id },
      body.txn_id,
      queued,
    );
    if (streamId !== null) {
      this.notifier.toDeviceChanged(new Set(queued.map((m) => m.userId)), streamId);
    }
  }
}
