import { Test } from '@nestjs/testing';
import { testDatabaseConfigs, type TestDatabase } from '@chat/testing';
import { register } from 'prom-client';
import type { Storage } from './open-database';
import { AccountStore } from './ports/account.store';
import { AuthSessionStore } from './ports/auth-session.store';
import { DeviceStore } from './ports/device.store';
import { Database } from './ports/txn';
import { STORAGE, StorageModule } from './storage.module';

describe.each(testDatabaseConfigs())('StorageModule on %s', (engine, create) => {
  let testDb: TestDatabase;

  beforeEach(async () => {
    testDb = await create();
  });

  afterEach(async () => {
    await testDb.drop();
  });

  it('provides the ports, reports PostgreSQL pool metrics and closes on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [StorageModule.forRoot(testDb.config, { instanceName: 'main' })],
    }).compile();
    const app = moduleRef.createNestApplication();
    await app.init();

    const accounts = app.get(AccountStore);
    expect(app.get(DeviceStore)).toBeInstanceOf(DeviceStore);
    expect(app.get(AuthSessionStore)).toBeInstanceOf(AuthSessionStore);
    const database = app.get(Database);
    expect(database.engine).toBe(engine);
    await accounts.createUser({
      userId: '@n:test',
      passwordHash: null,
      isAdmin: false,
      isGuest: false,
      createdTs: 1,
    });
    expect((await accounts.getUser('@n:test'))?.userId).toBe('@n:test');

    if (engine === 'postgres') {
      const metrics = await register.getSingleMetricAsString('chat_db_pool_connections');
      expect(metrics).toMatch(/chat_db_pool_connections\{state="total"\} [1-9]/);
      expect(metrics).toMatch(/chat_db_pool_connections\{state="waiting"\} 0/);
    }

    const storage = app.get<Storage>(STORAGE);
    await app.close();
    await expect(storage.database.query('SELECT 1')).rejects.toThrow();
  });
});
