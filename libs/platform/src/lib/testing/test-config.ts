import type { HomeserverConfig, ListenerConfig, RateLimitConfig } from '@chat/config';

const relaxed: RateLimitConfig = { perSecond: 1000, burstCount: 1000 };

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

/** A complete config for platform tests, as the loader would produce it (defaults filled in). */
export function testConfig(overrides: Partial<HomeserverConfig> = {}): HomeserverConfig {
  return {
    configPaths: [],
    serverName: 'test.local',
    publicBaseurl: 'http://test.local/',
    listeners: [testListener(['client'])],
    database: { name: 'sqlite', args: { database: ':memory:', cpMin: 1, cpMax: 1 } },
    signingKeyPath: '/dev/null',
    mediaStorePath: '/tmp/media',
    log: { level: 'silent', format: 'json' },
    enableRegistration: false,
    enableRegistrationWithoutVerification: false,
    registrationRequiresToken: false,
    allowGuestAccess: false,
    maxRequestBodySize: 1024 * 1024,
    passwordHashingCost: 1,
    passwordConfig: { enabled: true, minimumLength: 0 },
    rcMessage: relaxed,
    rcRegistration: relaxed,
    rcRegistrationTokenValidity: relaxed,
    rcLogin: { address: relaxed, account: relaxed, failedAttempts: relaxed },
    rcAdminRedaction: relaxed,
    rcJoins: { local: relaxed, remote: relaxed },
    rcInvites: { perRoom: relaxed, perUser: relaxed, perIssuer: relaxed },
    rcThirdPartyInvite: relaxed,
    rcFederation: {
      windowSize: 1000,
      sleepLimit: 10,
      sleepDelay: 500,
      rejectLimit: 50,
      concurrent: 3,
    },
    rcDeviceKeyRequests: relaxed,
    rcPresence: { perUser: relaxed },
    rcDelayedEventMgmt: relaxed,
    rcReports: relaxed,
    rcRoomCreation: relaxed,
    redis: { enabled: false, host: 'localhost', port: 6379, useTls: false },
    workerListeners: [],
    instanceMap: {},
    streamWriters: {
      events: ['main'],
      typing: ['main'],
      to_device: ['main'],
      account_data: ['main'],
      receipts: ['main'],
      presence: ['main'],
      push_rules: ['main'],
      device_lists: ['main'],
    },
    runBackgroundTasksOn: 'main',
    startPushers: true,
    pusherInstances: [],
    notifyAppservices: true,
    sendFederation: true,
    federationSenderInstances: [],
    enableMediaRepo: true,
    updateUserDirectory: true,
    usePresence: true,
    ...overrides,
  };
}
