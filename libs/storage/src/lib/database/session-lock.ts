import type { DatabaseConfig } from '@chat/config';
import { Client, type ClientConfig } from 'pg';

/**
 * A PostgreSQL session advisory lock on a connection of its own, never one of the pool's: the
 * lock belongs to the session, and a pooled session serves whatever runs on it next. The server
 * drops the lock when the session ends, so a process that dies, even by SIGKILL, frees it at once.
 * PostgreSQL only: SQLite serves one process, which has nothing to lock out.
 */
export class SessionLock {
  private released = false;

  private constructor(private readonly client: Client) {}

  /**
   * Takes the lock `(space, key)` unless another session holds it (then undefined). `lost` is
   * called once if the session later ends by any other way than `release()`.
   */
  static async tryTake(
    config: DatabaseConfig,
    space: number,
    key: number,
    lost: (reason: Error) => void,
  ): Promise<SessionLock | undefined> {
    const client = new Client(connectionConfig(config));
    let failure: Error | undefined;
    // Without a listener, an error on the idle connection would crash the process.
    client.on('error', (error) => (failure = error));
    try {
      await client.connect();
      const { rows } = await client.query<{ taken: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS taken',
        [space, key],
      );
      if (rows[0]?.taken) {
        const lock = new SessionLock(client);
        client.once('end', () => {
          if (!lock.released) lost(failure ?? new Error('the connection ended'));
        });
        return lock;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    await client.end();
    return undefined;
  }

  /** Ends the session, and with it the lock. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.client.end();
  }
}

function connectionConfig(config: DatabaseConfig): ClientConfig {
  if (config.name !== 'postgres') throw new Error('session locks need PostgreSQL');
  const { url, host, port, user, password, database } = config.args;
  return {
    ...(url ? { connectionString: url } : { host, port, user, password, database }),
    // Idle for the process's life: keepalives stop middleboxes from dropping the connection
    // quietly, and notice when they have.
    keepAlive: true,
  };
}
