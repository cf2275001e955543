import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { expectMatchesSpec, MATRIX_SPEC_ROOT, OpenApiValidator } from './openapi-validator';

const loginResponse = {
  user_id: '@alice:localhost',
  access_token: 'syt_abc',
  device_id: 'ABCDEFGH',
};

describe('OpenApiValidator', () => {
  let validator: OpenApiValidator;

  beforeAll(async () => {
    validator = await OpenApiValidator.load();
  });

  it('is loaded once per process', async () => {
    expect(await OpenApiValidator.load()).toBe(validator);
  });

  it('accepts a correct /login response', () => {
    const result = validator.validate({
      method: 'POST',
      path: '/_matrix/client/v3/login',
      status: 200,
      body: loginResponse,
    });
    expect(result).toEqual({ ok: true, operation: expect.stringContaining('/login') });
  });

  it('rejects a /login response without user_id', () => {
    const { user_id: _omitted, ...body } = loginResponse;
    const result = validator.validate({
      method: 'POST',
      path: '/chat/client/v3/login',
      status: 200,
      body,
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.join('\n')).toContain(
      "must have required property 'user_id'",
    );
  });

  it('accepts a standard error body for an error status the operation declares', () => {
    const body = {
      errcode: 'M_UNKNOWN_TOKEN',
      error: 'Unrecognised access token.',
      soft_logout: false,
    };
    expect(
      validator.validate({
        method: 'GET',
        path: '/_matrix/client/v3/account/whoami',
        status: 401,
        body,
      }).ok,
    ).toBe(true);
  });

  it('validates undeclared error statuses against the standard error schema', () => {
    const path = '/_matrix/client/v3/account/whoami';
    expect(
      validator.validate({
        method: 'GET',
        path,
        status: 500,
        body: { errcode: 'M_UNKNOWN', error: 'x' },
      }).ok,
    ).toBe(true);
    const bad = validator.validate({
      method: 'GET',
      path,
      status: 500,
      body: { error: 'no errcode' },
    });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors.join('\n')).toContain("must have required property 'errcode'");
  });

  it('rejects a success status the operation does not declare', () => {
    const result = validator.validate({
      method: 'GET',
      path: '/_matrix/client/v3/account/whoami',
      status: 201,
      body: {},
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]).toMatch(/status 201 is not declared/);
  });

  it('reports a path the spec does not know', () => {
    const result = validator.validate({
      method: 'GET',
      path: '/_matrix/client/v3/nope',
      status: 200,
      body: {},
    });
    expect(result).toEqual({
      ok: false,
      errors: ['no operation in the spec matches path /_matrix/client/v3/nope'],
    });
  });

  it('reports a method the spec does not list for a known path', () => {
    const result = validator.validate({
      method: 'DELETE',
      path: '/_matrix/client/v3/login',
      status: 200,
      body: {},
    });
    expect(!result.ok && result.errors[0]).toMatch(/no DELETE operation .* \(spec has GET, POST\)/);
  });

  it.each([
    '/chat/client/r0/account/whoami',
    '/chat/client/api/v1/account/whoami',
    '/chat/client/unstable/account/whoami?user_id=@a:b',
    '/_matrix/client/r0/account/whoami',
  ])('maps %s onto the whoami operation', (path) => {
    const result = validator.validate({
      method: 'GET',
      path,
      status: 200,
      body: { user_id: '@a:localhost' },
    });
    expect(result).toEqual({ ok: true, operation: expect.stringContaining('getTokenOwner') });
  });

  it('checks Matrix string formats', () => {
    const result = validator.validate({
      method: 'GET',
      path: '/_matrix/client/v3/account/whoami',
      status: 200,
      body: { user_id: '@no-server-name' },
    });
    expect(result.ok).toBe(false);
  });

  it('finds endpoints that exist only under v1, whatever version segment is used', () => {
    const body = { chunk: [] };
    for (const version of ['v1', 'v3', 'unstable']) {
      const result = validator.validate({
        method: 'GET',
        path: `/chat/client/${version}/rooms/!r:localhost/threads`,
        status: 200,
        body,
      });
      expect(result).toEqual({
        ok: true,
        operation: expect.stringContaining('/_matrix/client/v1/'),
      });
    }
  });

  it('validates unversioned and media paths', () => {
    expect(
      validator.validate({
        method: 'GET',
        path: '/chat/client/versions',
        status: 200,
        body: { versions: ['v1.1'] },
      }).ok,
    ).toBe(true);
    expect(
      validator.validate({
        method: 'POST',
        path: '/_matrix/media/v3/upload',
        status: 200,
        body: { content_uri: 'mxc://localhost/abc' },
      }).ok,
    ).toBe(true);
  });

  it('compiles the response schema of every client-server operation', async () => {
    const dir = path.join(MATRIX_SPEC_ROOT, 'api/client-server');
    let checked = 0;
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.yaml'))) {
      const doc = parseYaml(await readFile(path.join(dir, file), 'utf8'));
      const basePath: string = doc.servers[0].variables.basePath.default;
      for (const [specPath, item] of Object.entries<Record<string, { responses: object }>>(
        doc.paths,
      )) {
        for (const [method, op] of Object.entries(item).filter(([m]) => m !== 'parameters')) {
          for (const status of Object.keys(op.responses)) {
            const concrete = (basePath + specPath).replace(/\{[^}]+\}/g, 'x');
            const result = validator.validate({
              method,
              path: concrete,
              status: Number(status),
              body: {},
            });
            expect(result).toHaveProperty('operation');
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(400);
  });
});

describe('expectMatchesSpec', () => {
  it('passes silently for a matching response', async () => {
    await expect(
      expectMatchesSpec({
        method: 'POST',
        path: '/chat/client/v3/login',
        status: 200,
        body: loginResponse,
      }),
    ).resolves.toBeUndefined();
  });

  it('throws a readable message listing every violation', async () => {
    await expect(
      expectMatchesSpec({ method: 'POST', path: '/chat/client/v3/login', status: 200, body: {} }),
    ).rejects.toThrow(
      /POST \/chat\/client\/v3\/login -> 200 does not match the Matrix spec \(POST \/_matrix\/client\/v3\/login \(login\)\):\n {2}200 \(body\) must have required property/,
    );
  });
});
