import {
  servesPlacement,
  type ReplicationEndpointSpec,
  type ReplicationHandler,
} from './replication-endpoint';
import type { ReplicationHttpSettings } from './replication-http.settings';

export interface RegisteredEndpoint {
  spec: ReplicationEndpointSpec;
  handler: ReplicationHandler;
}

/**
 * The endpoints feature modules serve, by name. Every app registers what its modules bring;
 * only those whose placement this instance satisfies are mounted, the rest answer 404 like an
 * unknown route (§11.7), so a misrouted call fails loudly instead of running in the wrong place.
 */
export class ReplicationEndpointRegistry {
  private readonly endpoints = new Map<string, RegisteredEndpoint>();

  constructor(
    private readonly settings: Pick<ReplicationHttpSettings, 'instanceName' | 'streamWriters'>,
  ) {}

  add<PathArg extends string, Body extends object, Result extends object>(
    spec: ReplicationEndpointSpec<PathArg, Body, Result>,
    handler: ReplicationHandler<PathArg, Body, Result>,
  ): void {
    if (this.endpoints.has(spec.name)) {
      throw new Error(`replication endpoint ${spec.name} is registered twice`);
    }
    this.endpoints.set(spec.name, {
      spec: spec as ReplicationEndpointSpec,
      handler: handler as unknown as ReplicationHandler,
    });
  }

  /** The endpoint if it is registered and may run here. */
  mounted(name: string): RegisteredEndpoint | undefined {
    const endpoint = this.endpoints.get(name);
    return endpoint && this.mountsHere(endpoint.spec) ? endpoint : undefined;
  }

  /** Names of the mounted endpoints, for logs and tests. */
  mountedNames(): string[] {
    return [...this.endpoints.values()]
      .filter(({ spec }) => this.mountsHere(spec))
      .map(({ spec }) => spec.name);
  }

  private mountsHere(spec: ReplicationEndpointSpec): boolean {
    return servesPlacement(spec.onlyOn, this.settings.instanceName, this.settings.streamWriters);
  }
}
