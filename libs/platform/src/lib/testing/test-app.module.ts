import {
  Body,
  Controller,
  DynamicModule,
  Get,
  Module,
  Param,
  Post,
  Put,
  Query,
  type Provider,
} from '@nestjs/common';
import type { HomeserverConfig } from '@chat/config';
import { IsInt, IsOptional, IsString, Max, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import {
  AllowGuest,
  ClientIp,
  CurrentRequester,
  OptionalAuth,
  Public,
} from '../auth/auth.decorators';
import { ACCESS_TOKEN_RESOLVER, type AccessTokenResolver, type Requester } from '../auth/requester';
import { ApiResource } from '../http/api-resource.decorator';
import { RateLimit } from '../http/rate-limit.decorator';
import { PlatformModule } from '../platform.module';

class AvatarDto {
  @IsString()
  url: string;
}

class ProfileDto {
  @IsString()
  displayname: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => AvatarDto)
  avatar?: AvatarDto;
}

class SearchQuery {
  @IsOptional()
  @IsInt()
  @Max(100)
  limit?: number;
}

class LookupQuery {
  @IsString()
  term: string;
}

const c = '/chat/client/v3';

@Controller()
class TestController {
  @Public()
  @Get(`${c}/public`)
  publicRoute(@ClientIp() ip: string): { ip: string } {
    return { ip };
  }

  @Get(`${c}/whoami`)
  whoami(@CurrentRequester() requester: Requester): { user_id: string } {
    return { user_id: requester.userId };
  }

  @AllowGuest()
  @Get(`${c}/guest_ok`)
  guestOk(@CurrentRequester() requester: Requester): { user_id: string; is_guest: boolean } {
    return { user_id: requester.userId, is_guest: requester.isGuest };
  }

  @OptionalAuth()
  @Get(`${c}/maybe`)
  maybe(@CurrentRequester() requester?: Requester): { user_id: string | null } {
    return { user_id: requester?.userId ?? null };
  }

  @Public()
  @RateLimit((config) => config.rcLogin.address)
  @Post(`${c}/limited`)
  limited(): Record<string, never> {
    return {};
  }

  @Public()
  @Put(`${c}/rooms/:roomId/profile`)
  profile(@Param('roomId') roomId: string, @Body() body: ProfileDto): unknown {
    return { roomId, body };
  }

  @Public()
  @Post(`${c}/echo`)
  echo(@Body() body: Record<string, unknown>): unknown {
    return body;
  }

  @Public()
  @Get(`${c}/search`)
  search(@Query() query: SearchQuery): unknown {
    return query;
  }

  @Public()
  @Get(`${c}/lookup`)
  lookup(@Query() query: LookupQuery): unknown {
    return query;
  }

  @Public()
  @Get(`${c}/boom`)
  boom(): never {
    throw new Error('secret detail');
  }

  @Public()
  @Post('/chat/media/v3/upload')
  upload(@Body() body: unknown): { raw: boolean; length: number } {
    return { raw: Buffer.isBuffer(body), length: Buffer.isBuffer(body) ? body.length : -1 };
  }
}

@ApiResource('replication')
@Public()
@Controller()
class ReplicationTestController {
  @Get('/_chat/replication/ping')
  ping(): { pong: boolean } {
    return { pong: true };
  }
}

/** Tokens the fake resolver knows: `user_token` (a user) and `guest_token` (a guest). */
export const fakeResolver: AccessTokenResolver = {
  async resolve(token) {
    if (token === 'user_token') {
      return { userId: '@alice:test.local', deviceId: 'DEV', isGuest: false, accessTokenId: 1 };
    }
    if (token === 'guest_token') {
      return { userId: '@guest:test.local', deviceId: 'G', isGuest: true, accessTokenId: 2 };
    }
    return null;
  },
};

@Module({})
export class TestAppModule {
  static forConfig(config: HomeserverConfig, resolver?: AccessTokenResolver): DynamicModule {
    const providers: Provider[] = resolver
      ? [{ provide: ACCESS_TOKEN_RESOLVER, useValue: resolver }]
      : [];
    return {
      module: TestAppModule,
      imports: [PlatformModule.forRoot(config)],
      controllers: [TestController, ReplicationTestController],
      providers,
    };
  }
}
