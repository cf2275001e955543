import { V3, expectError } from './accounts.test-helper';
import { ENGINES, TestServer } from './test-server.test-helper';

const RULES = `${V3}/pushrules`;

describe.each(ENGINES)('push rules (%s)', (engine) => {
  let server: TestServer;
  let me: { userId: string; token: string };
  let other: { userId: string; token: string };

  beforeAll(async () => {
    server = await TestServer.start(engine);
    me = await server.register('pusher');
    other = await server.register('quiet');
  });
  afterAll(() => server?.stop());

  const req = (method: string, path: string, body?: unknown, token = me.token) =>
    server.request(method, `${RULES}${path}`, { token, body });

  it('serves the server defaults in order, master first', async () => {
    const all = await req('GET', '/');
    expect(all.status).toBe(200);
    const global = all.body['global'] as Record<
      string,
      Array<{ rule_id: string; default: boolean }>
    >;
    expect(global['override'][0].rule_id).toBe('.m.rule.master');
    expect(global['underride'].map((r) => r.rule_id)).toContain('.m.rule.message');
    expect(global['content'][0]).toMatchObject({
      rule_id: '.m.rule.contains_user_name',
      pattern: 'pusher',
    });
    expect((await req('GET', '/global/')).body).toEqual(global);
  });

  it('adds, orders, changes and deletes the user’s own rules', async () => {
    const put = (kind: string, id: string, body: unknown, query = '') =>
      req('PUT', `/global/${kind}/${id}${query}`, body);
    expect(
      (await put('room', encodeURIComponent('!a:localhost'), { actions: ['notify'] })).status,
    ).toBe(200);
    const cond = [{ kind: 'event_match', key: 'content.body', pattern: 'cake' }];
    expect((await put('override', 'cake', { actions: ['notify'], conditions: cond })).status).toBe(
      200,
    );
    expect(
      (await put('override', 'pie', { actions: [], conditions: cond }, '?before=cake')).status,
    ).toBe(200);
    const overrides = (
      (await req('GET', '/')).body['global'] as Record<string, Array<{ rule_id: string }>>
    )['override'];
    expect(overrides.map((r) => r.rule_id).slice(0, 3)).toEqual(['.m.rule.master', 'pie', 'cake']);
    expect((await req('GET', '/global/override/cake')).body).toMatchObject({
      rule_id: 'cake',
      default: false,
      enabled: true,
      conditions: cond,
    });
    await req('PUT', '/global/override/cake/enabled', { enabled: false });
    expect((await req('GET', '/global/override/cake/enabled')).body).toEqual({ enabled: false });
    await req('PUT', '/global/override/cake/actions', {
      actions: ['notify', { set_tweak: 'highlight' }],
    });
    expect((await req('GET', '/global/override/cake/actions')).body).toEqual({
      actions: ['notify', { set_tweak: 'highlight' }],
    });
    expect((await req('DELETE', '/global/override/cake')).status).toBe(200);
    expectError(await req('GET', '/global/override/cake'), 404, 'M_NOT_FOUND');
    // Another user's rules are untouched.
    expect((await req('GET', '/global/override/pie', undefined, other.token)).status).toBe(404);
  });

  it('lets users switch server defaults and change their actions, but not delete them', async () => {
    await req('PUT', '/global/override/.m.rule.master/enabled', { enabled: true });
    expect((await req('GET', '/global/override/.m.rule.master/enabled')).body).toEqual({
      enabled: true,
    });
    await req('PUT', '/global/underride/.m.rule.message/actions', { actions: [] });
    const message = await req('GET', '/global/underride/.m.rule.message');
    expect(message.body).toMatchObject({ default: true, actions: [] });
    expectError(await req('DELETE', '/global/underride/.m.rule.message'), 400, 'M_INVALID_PARAM');
    expectError(
      await req('PUT', '/global/override/.m.rule.mine', { actions: ['notify'], conditions: [] }),
      400,
      'M_INVALID_PARAM',
    );
  });

  it('answers bad input with Matrix errors', async () => {
    expectError(await req('GET', '/device/override/x'), 404, 'M_UNRECOGNIZED');
    expectError(await req('GET', '/global/sideways/x'), 400, 'M_INVALID_PARAM');
    expectError(
      await req('PUT', '/global/override/x', { actions: ['notify'] }),
      400,
      'M_MISSING_PARAM',
    );
    expectError(
      await req('PUT', '/global/content/x', { actions: ['notify'] }),
      400,
      'M_MISSING_PARAM',
    );
    expectError(await req('PUT', '/global/room/x', { actions: 'notify' }), 400, 'M_BAD_JSON');
    expectError(await req('PUT', '/global/room/x', { actions: [5] }), 400, 'M_BAD_JSON');
    expectError(
      await req('PUT', '/global/room/x?before=nope', { actions: [] }),
      404,
      'M_NOT_FOUND',
    );
    expectError(
      await req('PUT', '/global/override/.m.rule.master/enabled', { enabled: 'yes' }),
      400,
      'M_BAD_JSON',
    );
    expectError(
      await req('PUT', '/global/override/unknown/enabled', { enabled: true }),
      404,
      'M_NOT_FOUND',
    );
    expectError(await req('DELETE', '/global/room/never'), 404, 'M_NOT_FOUND');
    expectError(await server.request('GET', `${RULES}/`), 401, 'M_MISSING_TOKEN');
  });
});
