import { Module } from '@nestjs/common';

import { HandlersModule } from '@chat/handlers';

import { AccountController } from './accounts/account.controller';
import { DevicesController } from './accounts/devices.controller';
import { LoginController } from './accounts/login.controller';
import { ProfileController } from './accounts/profile.controller';
import { RegisterController } from './accounts/register.controller';
import { DiscoveryController } from './discovery/discovery.controller';
import { RoomDirectoryController } from './rooms/room-directory.controller';
import { RoomEphemeralController } from './rooms/room-ephemeral.controller';
import { RoomEventsController } from './rooms/room-events.controller';
import { RoomMembershipController } from './rooms/room-membership.controller';
import { RoomReadsController } from './rooms/room-reads.controller';
import { AccountDataController } from './sync/account-data.controller';
import { FilterController } from './sync/filter.controller';
import { PresenceController } from './sync/presence.controller';
import { SyncController } from './sync/sync.controller';
import { PushRulesController } from './sync/push-rules.controller';
import { ToDeviceController } from './sync/to-device.controller';

/** Everything under /chat/client (and /_matrix/client) plus client discovery. */
@Module({
  imports: [HandlersModule],
  // Express tries routes in registration order, one pattern at a time: the hottest paths
  // (syncing and sending, most of all requests) go first.
  controllers: [
    SyncController,
    RoomEventsController,
    DiscoveryController,
    RegisterController,
    LoginController,
    AccountController,
    DevicesController,
    ProfileController,
    RoomMembershipController,
    RoomReadsController,
    RoomDirectoryController,
    RoomEphemeralController,
    FilterController,
    AccountDataController,
    PresenceController,
    ToDeviceController,
    PushRulesController,
  ],
})
export class ClientApiModule {}
