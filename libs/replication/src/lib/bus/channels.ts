import type { ReplicationCommand } from '../commands/replication-command';

/**
 * `USER_IP` travels on a channel of its own, `<base>/USER_IP`, so that only the processes that
 * declared it (main, the background-tasks instance) receive the busiest command (§3.1).
 */
export const USER_IP_CHANNEL = '/USER_IP';

/** A channel besides the base one, named by its suffix; declared before the transport starts. */
export type ChannelSuffix = typeof USER_IP_CHANNEL;

/** Where a command is published: `''` is the base channel. */
export function channelSuffixFor(cmd: ReplicationCommand): '' | ChannelSuffix {
  return cmd.name === 'USER_IP' ? USER_IP_CHANNEL : '';
}
