import { Module } from '@nestjs/common';

import { ACCESS_TOKEN_RESOLVER } from '@chat/platform';

import { AccessTokenService } from './accounts/access-token.service';
import { AccountCreator } from './accounts/account-creator.service';
import { AccountService } from './accounts/account.service';
import { LoginService } from './accounts/login.service';
import { PasswordHasher } from './accounts/password-hasher.service';
import { RegistrationService } from './accounts/registration.service';
import { UiAuthService } from './accounts/ui-auth.service';
import { BackgroundTasks } from './common/background-tasks';
import { CachesStreamPruning } from './common/caches-stream-pruning.service';
import { Clock } from './common/clock';
import { StreamWrites } from './common/stream-writes';
import { ClientIpRecorder } from './devices/client-ip-recorder.service';
import { DeviceChanges } from './devices/device-changes';
import { DeviceInboxCleanup } from './devices/device-inbox-cleanup.service';
import { DeviceService } from './devices/device.service';
import { ProfileService } from './profile/profile.service';
import { ClientEventSerializer } from './rooms/client-event.serializer';
import { EventTxnExpiry } from './rooms/event-txn-expiry.service';
import { MembershipService } from './rooms/membership.service';
import { ReceiptService } from './rooms/receipt.service';
import { RoomAccessService } from './rooms/room-access.service';
import { RoomAliasService } from './rooms/room-alias.service';
import { RoomCreationService } from './rooms/room-creation.service';
import { RoomDirectoryService } from './rooms/room-directory.service';
import { RoomEventSender } from './rooms/room-event-sender';
import { roomEventWriterProvider } from './rooms/room-event-writer.provider';
import { RoomMessageService } from './rooms/room-message.service';
import { RoomReadService } from './rooms/room-read.service';
import { RoomStateService } from './rooms/room-state.service';
import { RoomUpgradeService } from './rooms/room-upgrade.service';
import { TypingOnLeave } from './rooms/typing-on-leave.service';
import { TypingService } from './rooms/typing.service';
import { AccountDataService } from './sync/account-data.service';
import { FilterService } from './sync/filter.service';
import { PresenceService } from './sync/presence.service';
import { PushRulesService } from './sync/push-rules.service';
import { PushActionsCalculator } from './sync/push-actions.calculator';
import { ToDeviceService } from './sync/to-device.service';
import { StreamNotifier } from './sync/stream-notifier';
import { RoomSyncService } from './sync/room-sync.service';
import { SyncService } from './sync/sync.service';
import { SyncTokens } from './sync/sync-tokens';
import { LegacySyncService } from './sync/legacy-sync.service';

const services = [
  AccessTokenService,
  AccountCreator,
  AccountService,
  ClientIpRecorder,
  Clock,
  BackgroundTasks,
  CachesStreamPruning,
  StreamWrites,
  DeviceChanges,
  DeviceInboxCleanup,
  DeviceService,
  LoginService,
  PasswordHasher,
  ProfileService,
  RegistrationService,
  UiAuthService,
  ClientEventSerializer,
  EventTxnExpiry,
  MembershipService,
  ReceiptService,
  RoomAccessService,
  RoomAliasService,
  RoomCreationService,
  RoomDirectoryService,
  RoomMessageService,
  RoomEventSender,
  RoomReadService,
  RoomStateService,
  RoomUpgradeService,
  TypingService,
  TypingOnLeave,
  FilterService,
  AccountDataService,
  PresenceService,
  ToDeviceService,
  PushRulesService,
  PushActionsCalculator,
  SyncTokens,
  StreamNotifier,
  SyncService,
  RoomSyncService,
  LegacySyncService,
];

/**
 * The account and room domains: registration, login, devices, profiles, user-interactive auth,
 * rooms, memberships, messages, history reads, aliases and ephemeral data. Expects
 * PlatformModule (config, rate limiter) and StorageModule (stores) to be global in the app.
 */
@Module({
  providers: [
    ...services,
    roomEventWriterProvider,
    { provide: ACCESS_TOKEN_RESOLVER, useExisting: AccessTokenService },
  ],
  exports: [...services, roomEventWriterProvider, ACCESS_TOKEN_RESOLVER],
})
export class HandlersModule {}
