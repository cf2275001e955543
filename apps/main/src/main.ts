import 'reflect-metadata';

import { launchApp } from '@chat/platform';

import { AppModule } from './app.module';

void launchApp('main', (config) => AppModule.register(config));
