import type { EventEmitter } from 'node:events';
import type { MatrixClient, SyncState } from 'matrix-js-sdk';
import { ClientEvent } from 'matrix-js-sdk';

const WAIT_MS = 10_000;

/**
 * Resolves with the first truthy result of `check`, tried at once and again after every one of
 * `events` on `client` (the SDK re-emits its room, member and user events there). Rejects after
 * 10 s naming `what`, so a test fails with what it was waiting for instead of a jest timeout.
 */
export function waitFor<T>(
  client: MatrixClient,
  events: readonly string[],
  what: string,
  check: () => T | false | null | undefined,
): Promise<T> {
  const emitter: EventEmitter = client;
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      for (const event of events) emitter.off(event, onEvent);
    };
    const onEvent = (): void => {
      const result = check();
      if (!result) return;
      done();
      resolve(result);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`timed out after ${WAIT_MS / 1000} s waiting for ${what}`));
    }, WAIT_MS);
    for (const event of events) emitter.on(event, onEvent);
    onEvent();
  });
}

/** Waits until the client's sync loop reports one of `states`. */
export function waitForSyncState(
  client: MatrixClient,
  states: readonly SyncState[],
): Promise<SyncState> {
  return waitFor(
    client,
    [ClientEvent.Sync],
    `${client.getUserId()}'s sync state to become ${states.join(' or ')}` +
      ` (it is ${client.getSyncState()})`,
    () => {
      const state = client.getSyncState();
      return state !== null && states.includes(state) ? state : undefined;
    },
  );
}
