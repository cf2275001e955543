import { randomBytes } from 'node:crypto';
import { registerWithSharedSecret, type RunningServer } from '@chat/testing';
import type { MatrixClient } from 'matrix-js-sdk';
import type { SdkHarness } from './sdk-harness';

/**
 * A client logged in as a new user `username`, registered through the shared-secret admin API
 * so the suites that are not about accounts spend no requests on user-interactive auth.
 */
export async function registeredClient(
  server: RunningServer,
  sdk: SdkHarness,
  username: string,
): Promise<MatrixClient> {
  const registered = await registerWithSharedSecret(server.baseUrl, server.sharedSecret, {
    username,
    password: randomBytes(12).toString('hex'),
    admin: false,
  });
  return sdk.client({
    userId: registered.user_id,
    accessToken: registered.access_token,
    deviceId: registered.device_id,
  });
}
