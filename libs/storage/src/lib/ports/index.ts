export * from './txn';
export * from './account.store';
export * from './device.store';
export * from './auth-session.store';
