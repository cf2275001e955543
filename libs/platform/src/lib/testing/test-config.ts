import { parseConfig, type HomeserverConfig, type ListenerConfig } from '@chat/config';

export function testListener(
  names: ListenerConfig['resources'][number]['names'],
  extra: Partial<ListenerConfig> = {},
): ListenerConfig {
  return {
    port: 0,
    bindAddresses: ['127.0.0.1'],
    type: 'http',
    xForwarded: false,
    resources: [{ names }],
    ...extra,
  };
}

const relaxed = { per_second: 1000, burst_count: 1000 };

/**
 * A complete config for platform tests, made by the real loader (so defaults stay in step with
 * it), with fast rate limits and silent logs; `overrides` replace whole top-level properties.
 */
export function testConfig(overrides: Partial<HomeserverConfig> = {}): HomeserverConfig {
  const { config } = parseConfig([
    {
      path: '/tmp/platform-test/homeserver.yaml',
      values: {
        server_name: 'test.local',
        public_baseurl: 'http://test.local/',
        database: { name: 'sqlite3', args: { database: ':memory:' } },
        log: { level: 'silent' },
        max_request_body_size: 1024 * 1024,
        password_hashing_cost: 1,
        rc_message: relaxed,
        rc_registration: relaxed,
        rc_registration_token_validity: relaxed,
        rc_login: { address: relaxed, account: relaxed, failed_attempts: relaxed },
      },
    },
  ]);
  return { ...config, listeners: [testListener(['client'])], ...overrides };
}
