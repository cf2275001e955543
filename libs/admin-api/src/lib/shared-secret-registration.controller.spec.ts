import { PATH_METADATA } from '@nestjs/common/constants';

import { SharedSecretRegistrationController } from './shared-secret-registration.controller';

describe('SharedSecretRegistrationController', () => {
  it('serves the Synapse-compatible path under /_chat', () => {
    const proto = SharedSecretRegistrationController.prototype;
    expect(Reflect.getMetadata(PATH_METADATA, proto.nonce)).toBe('/_chat/admin/v1/register');
    expect(Reflect.getMetadata(PATH_METADATA, proto.register)).toBe('/_chat/admin/v1/register');
  });
});
