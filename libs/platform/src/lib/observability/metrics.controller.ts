import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { ApiResource } from '../http/api-resource.decorator';
import { httpMetrics, metricsRegistry } from './http-metrics';

/** Prometheus scrape endpoint; served only on listeners naming the `metrics` resource. */
@ApiResource('metrics')
@Public()
@Controller()
export class MetricsController {
  constructor() {
    httpMetrics();
  }

  @Get('metrics')
  async metrics(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', metricsRegistry.contentType);
    res.end(await metricsRegistry.metrics());
  }
}
