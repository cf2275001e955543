import {
  OpenApiValidator,
  registerWithSharedSecret,
  type RunningServer,
  startServerProcess,
} from '@chat/testing';
import type { MatrixClient } from 'matrix-js-sdk';
import { matrixError } from './support/matrix-error';
import { type ApiPrefix, SdkHarness } from './support/sdk-harness';

describe.each(['sqlite', 'postgres'] as const)('accounts (%s)', (engine) => {
  let server: RunningServer;
  let validator: OpenApiValidator;

  beforeAll(async () => {
    validator = await OpenApiValidator.load();
    server = await startServerProcess({ engine });
  });

  afterAll(async () => {
    await server?.stop();
  });

  describe.each(['/_matrix', '/chat'] as const)('through %s', (prefix: ApiPrefix) => {
    const username = `alice_${prefix === '/chat' ? 'chat' : 'matrix'}`;
    const password = 'correct horse battery staple';
    const userId = `@${username}:localhost`;
    let sdk: SdkHarness;
    let registered: { access_token?: string; device_id?: string };
    let alice: MatrixClient;
    let loginDeviceId: string;

    beforeAll(() => {
      sdk = new SdkHarness(server.baseUrl, prefix, validator);
    });

    afterAll(() => sdk.stopAll());

    it('registers with m.login.dummy user-interactive auth', async () => {
      const anonymous = sdk.client();
      const challenge = await matrixError(anonymous.registerRequest({ username, password }));
      expect(challenge.httpStatus).toBe(401);
      const { session, flows } = challenge.data as {
        session?: string;
        flows?: Array<{ stages: string[] }>;
      };
      expect(typeof session).toBe('string');
      expect(flows).toContainEqual({ stages: ['m.login.dummy'] });

      registered = await anonymous.registerRequest({
        username,
        password,
        initial_device_display_name: 'registration device',
        auth: { type: 'm.login.dummy', session },
      });
      expect(registered).toMatchObject({ user_id: userId, access_token: expect.any(String) });
      expect(registered.device_id).toEqual(expect.any(String));
    });

    it('refuses a second registration of the same name', async () => {
      const taken = await matrixError(
        sdk.client().registerRequest({ username, password, auth: { type: 'm.login.dummy' } }),
      );
      expect(taken.httpStatus).toBe(400);
      expect(taken.errcode).toBe('M_USER_IN_USE');
    });

    it('logs in with a password and knows who the token belongs to', async () => {
      const login = await sdk.client().loginRequest({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: username },
        password,
        initial_device_display_name: 'login device',
      });
      expect(login).toMatchObject({ user_id: userId, access_token: expect.any(String) });
      expect(login.device_id).not.toBe(registered.device_id);
      loginDeviceId = login.device_id;

      alice = sdk.client({ userId, accessToken: login.access_token, deviceId: login.device_id });
      expect(await alice.whoami()).toMatchObject({ user_id: userId, device_id: login.device_id });
    });

    it('rejects a wrong password', async () => {
      const wrong = await matrixError(
        sdk.client().loginRequest({
          type: 'm.login.password',
          identifier: { type: 'm.id.user', user: username },
          password: 'wrong',
        }),
      );
      expect(wrong.httpStatus).toBe(403);
      expect(wrong.errcode).toBe('M_FORBIDDEN');
    });

    it('lists, renames and deletes devices, deleting with password auth', async () => {
      const registrationDevice = registered.device_id as string;
      const { devices } = await alice.getDevices();
      expect(devices.map((d) => d.device_id).sort()).toEqual(
        [registrationDevice, loginDeviceId].sort(),
      );
      expect(devices.find((d) => d.device_id === loginDeviceId)?.display_name).toBe('login device');

      await alice.setDeviceDetails(loginDeviceId, { display_name: 'renamed' });
      expect((await alice.getDevice(loginDeviceId)).display_name).toBe('renamed');

      const challenge = await matrixError(alice.deleteDevice(registrationDevice));
      expect(challenge.httpStatus).toBe(401);
      const { session, flows } = challenge.data as {
        session?: string;
        flows?: Array<{ stages: string[] }>;
      };
      expect(flows).toContainEqual({ stages: ['m.login.password'] });

      await alice.deleteDevice(registrationDevice, {
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: username },
        password,
        session,
      });
      expect((await alice.getDevices()).devices.map((d) => d.device_id)).toEqual([loginDeviceId]);

      // The deleted device's access token went with it.
      const stale = sdk.client({ userId, accessToken: registered.access_token });
      const gone = await matrixError(stale.whoami());
      expect(gone.httpStatus).toBe(401);
      expect(gone.errcode).toBe('M_UNKNOWN_TOKEN');
    });

    it('sets and reads the profile', async () => {
      await alice.setDisplayName('Alice');
      expect(await alice.getProfileInfo(userId, 'displayname')).toEqual({ displayname: 'Alice' });

      await alice.setAvatarUrl('mxc://localhost/avatar');
      expect(await alice.getProfileInfo(userId, 'avatar_url')).toEqual({
        avatar_url: 'mxc://localhost/avatar',
      });
      expect(await alice.getProfileInfo(userId)).toMatchObject({
        displayname: 'Alice',
        avatar_url: 'mxc://localhost/avatar',
      });

      const missing = await matrixError(alice.getProfileInfo('@nobody:localhost'));
      expect(missing.httpStatus).toBe(404);
      expect(missing.errcode).toBe('M_NOT_FOUND');
    });

    it('logs out, after which the token is refused', async () => {
      expect(await alice.logout()).toEqual({});
      const after = await matrixError(alice.whoami());
      expect(after.httpStatus).toBe(401);
      expect(after.errcode).toBe('M_UNKNOWN_TOKEN');
    });

    it('lets a user registered with the shared secret log in', async () => {
      const admin = `admin_${prefix === '/chat' ? 'chat' : 'matrix'}`;
      const created = await registerWithSharedSecret(server.baseUrl, server.sharedSecret, {
        username: admin,
        password,
        admin: true,
      });
      expect(created.user_id).toBe(`@${admin}:localhost`);

      const login = await sdk.client().loginRequest({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user: admin },
        password,
      });
      const client = sdk.client({ userId: login.user_id, accessToken: login.access_token });
      expect((await client.whoami()).user_id).toBe(`@${admin}:localhost`);
    });

    it(`sent every request under ${prefix} and got only responses that match the spec`, () => {
      expect(sdk.sentPaths.length).toBeGreaterThan(0);
      expect(sdk.sentPaths.filter((p) => !p.startsWith(`${prefix}/`))).toEqual([]);
      expect(sdk.rewrittenRequests).toBe(prefix === '/chat' ? sdk.sentPaths.length : 0);
      expect(sdk.violations).toEqual([]);
    });
  });
});
