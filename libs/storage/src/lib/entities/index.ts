import { AccessTokenEntity } from './access-token.entity';
import { AccountDataEntity } from './account-data.entity';
import { CurrentStateEventEntity } from './current-state-event.entity';
import { DeviceListsStreamEntity } from './device-lists-stream.entity';
import { DeviceEntity } from './device.entity';
import { EventAuthEntity } from './event-auth.entity';
import { EventEdgeEntity } from './event-edge.entity';
import { EventForwardExtremityEntity } from './event-forward-extremity.entity';
import { EventTxnIdEntity } from './event-txn-id.entity';
import { EventEntity } from './event.entity';
import { InstanceIdEntity } from './instance-id.entity';
import { ProfileEntity } from './profile.entity';
import { ReceiptEntity } from './receipt.entity';
import { RegistrationNonceEntity } from './registration-nonce.entity';
import { RegistrationTokenEntity } from './registration-token.entity';
import { RoomAliasEntity } from './room-alias.entity';
import { RoomMembershipEntity } from './room-membership.entity';
import { RoomEntity } from './room.entity';
import { StateGroupEntryEntity } from './state-group-entry.entity';
import { StateGroupEntity } from './state-group.entity';
import { StreamPositionEntity } from './stream-position.entity';
import { UiAuthSessionCredentialEntity } from './ui-auth-session-credential.entity';
import { UiAuthSessionEntity } from './ui-auth-session.entity';
import { UserEntity } from './user.entity';
import { UserFilterEntity } from './user-filter.entity';
import { PresenceEntity } from './presence.entity';
import { DeviceInboxEntity } from './device-inbox.entity';
import { ToDeviceTxnIdEntity } from './to-device-txn-id.entity';
import { PushRulesEntity } from './push-rules.entity';
import { EventPushActionEntity } from './event-push-action.entity';
import { CacheInvalidationStreamEntity } from './cache-invalidation-stream.entity';

/** Entities describe the tables for TypeORM; the schema itself comes from the migrations. */
export const ENTITIES = [
  StreamPositionEntity,
  InstanceIdEntity,
  UserEntity,
  ProfileEntity,
  DeviceEntity,
  AccessTokenEntity,
  DeviceListsStreamEntity,
  UiAuthSessionEntity,
  UiAuthSessionCredentialEntity,
  RegistrationTokenEntity,
  RegistrationNonceEntity,
  RoomEntity,
  EventEntity,
  EventEdgeEntity,
  EventAuthEntity,
  EventForwardExtremityEntity,
  StateGroupEntity,
  StateGroupEntryEntity,
  CurrentStateEventEntity,
  RoomMembershipEntity,
  EventTxnIdEntity,
  RoomAliasEntity,
  ReceiptEntity,
  AccountDataEntity,
  UserFilterEntity,
  PresenceEntity,
  DeviceInboxEntity,
  ToDeviceTxnIdEntity,
  PushRulesEntity,
  EventPushActionEntity,
  CacheInvalidationStreamEntity,
];
