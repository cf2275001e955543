import type { HomeserverConfig } from '@chat/config';

import { BackgroundTasks } from './background-tasks';

const config = (workerName: string | undefined, runBackgroundTasksOn: string) =>
  ({ workerName, runBackgroundTasksOn }) as HomeserverConfig;

describe('BackgroundTasks', () => {
  const tasks: BackgroundTasks[] = [];
  afterEach(() => tasks.splice(0).forEach((t) => t.onModuleDestroy()));
  const make = (c: HomeserverConfig) => {
    const t = new BackgroundTasks(c);
    tasks.push(t);
    return t;
  };

  it('schedules on the process run_background_tasks_on names, and nowhere else', () => {
    const background = make(config('bg1', 'bg1'));
    const main = make(config(undefined, 'bg1'));
    for (const t of [background, main]) t.every('cleanup', 60_000, async () => undefined);
    expect(background.scheduled()).toEqual(['cleanup']);
    expect(main.runsHere).toBe(false);
    expect(main.scheduled()).toEqual([]);
  });

  it('runs on main by default, and refuses a task scheduled twice', () => {
    const main = make(config(undefined, 'main'));
    main.every('cleanup', 60_000, async () => undefined);
    expect(() => main.every('cleanup', 60_000, async () => undefined)).toThrow('scheduled twice');
  });
});
