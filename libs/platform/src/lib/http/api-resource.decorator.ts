import { SetMetadata } from '@nestjs/common';
import type { ResourceName } from '@chat/config';

export const API_RESOURCE = 'chat:api-resource';

/** Which listener resource serves a controller's routes; 'client' when absent. */
export const ApiResource = (name: ResourceName): ClassDecorator & MethodDecorator =>
  SetMetadata(API_RESOURCE, name);
