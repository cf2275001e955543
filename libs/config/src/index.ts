export * from './lib/homeserver-config';
