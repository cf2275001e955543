import { waitUntil } from '@chat/testing';
import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  type INestMicroservice,
  Injectable,
  Module,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { COMMAND_NAMES } from '../commands/command-names';
import type {
  PositionCommand,
  RdataCommand,
  RemoteServerUpCommand,
  ReplicationCommand,
} from '../commands/replication-command';
import {
  InProcessReplicationHub,
  InProcessReplicationTransport,
} from './in-process-replication.transport';
import { ReplicationServer, type StreamCommandHandler } from './replication.server';

@Injectable()
class RecordingInterceptor implements NestInterceptor {
  static readonly seen: string[] = [];

  intercept(context: ExecutionContext, next: CallHandler) {
    RecordingInterceptor.seen.push(context.switchToRpc().getData<ReplicationCommand>().name);
    return next.handle();
  }
}

@Controller()
class BusListener {
  readonly remoteUp: string[] = [];

  @EventPattern(COMMAND_NAMES.REMOTE_SERVER_UP)
  @UseInterceptors(RecordingInterceptor)
  onRemoteServerUp(@Payload() cmd: RemoteServerUpCommand): void {
    this.remoteUp.push(cmd.serverName);
  }

  @EventPattern(COMMAND_NAMES.CANCEL_TASK)
  onCancelTask(): void {
    throw new Error('handler failure');
  }
}

@Module({ controllers: [BusListener] })
class ListenerModule {}

class RecordingStreamCommands implements StreamCommandHandler {
  readonly calls: Array<RdataCommand | PositionCommand | 'lost'> = [];

  async onRdata(cmd: RdataCommand): Promise<void> {
    this.calls.push(cmd);
  }

  async onPosition(cmd: PositionCommand): Promise<void> {
    this.calls.push(cmd);
    throw new Error('catch-up failure');
  }

  connectionLost(): void {
    this.calls.push('lost');
  }
}

describe('ReplicationServer', () => {
  let app: INestMicroservice;
  let transport: InProcessReplicationTransport;
  let streamCommands: RecordingStreamCommands;
  let peer: InProcessReplicationTransport;

  beforeEach(async () => {
    const hub = new InProcessReplicationHub();
    transport = new InProcessReplicationTransport(hub, { instanceName: 'main' });
    streamCommands = new RecordingStreamCommands();
    app = await NestFactory.createMicroservice(ListenerModule, {
      strategy: new ReplicationServer(transport, streamCommands),
      logger: false,
    });
    await app.listen();
    peer = new InProcessReplicationTransport(hub, { instanceName: 'peer' });
    await peer.start({ onCommand: () => undefined, onConnectionLost: () => undefined });
  });

  afterEach(() => app.close());

  it('routes stream commands to the command handler and the rest to @EventPattern handlers', async () => {
    const rdata: RdataCommand = {
      name: 'RDATA',
      stream: 'events',
      instance: 'peer',
      token: 3,
      row: ['x'],
    };
    const position: PositionCommand = {
      name: 'POSITION',
      stream: 'events',
      instance: 'peer',
      prevToken: 3,
      newToken: 4,
    };
    peer.publish({ name: 'REMOTE_SERVER_UP', serverName: 'one.example' });
    peer.publish(rdata);
    peer.publish(position);
    peer.publish({ name: 'CANCEL_TASK', taskId: 't1' });
    peer.publish({ name: 'NEW_ACTIVE_TASK', taskId: 't2' });
    peer.publish({ name: 'REMOTE_SERVER_UP', serverName: 'two.example' });

    const listener = app.get(BusListener);
    await waitUntil('the last command', () => listener.remoteUp.length === 2);
    expect(listener.remoteUp).toEqual(['one.example', 'two.example']);
    expect(RecordingInterceptor.seen).toEqual(['REMOTE_SERVER_UP', 'REMOTE_SERVER_UP']);
    expect(streamCommands.calls).toEqual([rdata, position]);
  });

  it('stops the transport on close', async () => {
    expect(transport.connected).toBe(true);
    await app.close();
    expect(transport.connected).toBe(false);
  });
});
