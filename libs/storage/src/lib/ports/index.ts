export * from './txn';
export * from './account.store';
export * from './device.store';
export * from './auth-session.store';
export * from './event.store';
export * from './room-alias.store';
export * from './receipt.store';
export * from './account-data.store';
