import 'reflect-metadata';

import { launchApp } from '@chat/platform';

import { AppModule } from './app.module';
import { genericWorkerRoutes } from './generic-worker-routes';

void launchApp('generic-worker', (config) => AppModule.register(config), {
  ownsRoute: genericWorkerRoutes,
});
