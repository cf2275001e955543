import { Controller, Get, Inject } from '@nestjs/common';

import type { HomeserverConfig } from '@chat/config';
import { PROFILE_FIELDS } from '@chat/handlers';
import { HOMESERVER_CONFIG, Public } from '@chat/platform';
import { clientRoutes } from '@chat/routing';

/** Spec versions whose client-server features this server implements (or degrades gracefully). */
export const SUPPORTED_SPEC_VERSIONS = [
  'r0.0.1',
  'r0.1.0',
  'r0.2.0',
  'r0.3.0',
  'r0.4.0',
  'r0.5.0',
  'r0.6.0',
  'r0.6.1',
  'v1.1',
  'v1.2',
  'v1.3',
  'v1.4',
  'v1.5',
  'v1.6',
  'v1.7',
  'v1.8',
  'v1.9',
  'v1.10',
  'v1.11',
];

/** Room versions 6–12 are supported from the start; new rooms default to 12 (protocol.md §3.8). */
export const DEFAULT_ROOM_VERSION = '12';
export const SUPPORTED_ROOM_VERSIONS = ['6', '7', '8', '9', '10', '11', '12'];

@Controller()
export class DiscoveryController {
  constructor(@Inject(HOMESERVER_CONFIG) private readonly config: HomeserverConfig) {}

  @Public()
  @Get(clientRoutes('unversioned', 'versions'))
  versions() {
    return { versions: SUPPORTED_SPEC_VERSIONS, unstable_features: {} };
  }

  @Public()
  @Get('/.well-known/matrix/client')
  wellKnown() {
    return { 'm.homeserver': { base_url: this.config.publicBaseurl } };
  }

  @Get(clientRoutes('current', 'capabilities'))
  capabilities() {
    const passwords = this.config.passwordConfig.enabled;
    return {
      capabilities: {
        'm.change_password': { enabled: passwords },
        'm.room_versions': {
          default: DEFAULT_ROOM_VERSION,
          available: Object.fromEntries(SUPPORTED_ROOM_VERSIONS.map((v) => [v, 'stable'])),
        },
        'm.set_displayname': { enabled: true },
        'm.set_avatar_url': { enabled: true },
        'm.3pid_changes': { enabled: false },
        'm.get_login_token': { enabled: false },
        'm.profile_fields': { enabled: true, allowed: [...PROFILE_FIELDS] },
      },
    };
  }
}
