import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { ReplicationEndpointSpec, ReplicationHandler } from './replication-endpoint';
import { ReplicationEndpointRegistry } from './replication-endpoint.registry';

const SERVES_ENDPOINT = 'chat:replication-endpoint';

/**
 * Marks a provider method as the handler of a replication endpoint; the method's signature is
 * checked against the spec. `ReplicationHttpModule` finds it at startup and registers it.
 */
export function ServesReplicationEndpoint<
  PathArg extends string,
  Body extends object,
  Result extends object,
>(spec: ReplicationEndpointSpec<PathArg, Body, Result>) {
  return <Method extends ReplicationHandler<PathArg, Body, Result>>(
    _target: object,
    _key: string | symbol,
    descriptor: TypedPropertyDescriptor<Method>,
  ): void => {
    Reflect.defineMetadata(SERVES_ENDPOINT, spec, descriptor.value as object);
  };
}

/** Registers every `@ServesReplicationEndpoint()` method of every provider, once, at init. */
@Injectable()
export class ReplicationEndpointExplorer implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: ReplicationEndpointRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      // Request-scoped providers have no instance to call outside a request.
      const instance: unknown = wrapper.isDependencyTreeStatic() ? wrapper.instance : undefined;
      if (typeof instance !== 'object' || instance === null) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const spec: ReplicationEndpointSpec | undefined = Reflect.getMetadata(
          SERVES_ENDPOINT,
          prototype[method] as object,
        );
        if (!spec) continue;
        const handler = prototype[method] as ReplicationHandler;
        this.registry.add(spec, handler.bind(instance));
      }
    }
  }
}
