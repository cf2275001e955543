import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/auth.decorators';
import { ApiResource } from '../http/api-resource.decorator';

/** Liveness for load balancers and orchestrators. */
@ApiResource('health')
@Public()
@Controller()
export class HealthController {
  @Get('health')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  health(): string {
    return 'OK';
  }
}
