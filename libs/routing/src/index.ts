export * from './lib/client-versions';
export * from './lib/route-patterns';
export * from './lib/endpoint-table';
export * from './lib/hash-keys';
export * from './lib/proxy-topology';
export * from './lib/routing-plan';
export * from './lib/nginx-config';
export * from './lib/haproxy-config';
