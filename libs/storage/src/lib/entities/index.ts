import { AccessTokenEntity } from './access-token.entity';
import { DeviceListsStreamEntity } from './device-lists-stream.entity';
import { DeviceEntity } from './device.entity';
import { InstanceIdEntity } from './instance-id.entity';
import { ProfileEntity } from './profile.entity';
import { RegistrationNonceEntity } from './registration-nonce.entity';
import { RegistrationTokenEntity } from './registration-token.entity';
import { StreamPositionEntity } from './stream-position.entity';
import { UiAuthSessionCredentialEntity } from './ui-auth-session-credential.entity';
import { UiAuthSessionEntity } from './ui-auth-session.entity';
import { UserEntity } from './user.entity';

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
];
