import { fanoutScenario, syncLatencyScenario } from './delivery';
import { initialSyncScenario } from './initial-sync';
import { loginScenario } from './login';
import type { Scenario } from './scenario';
import { sendScenario } from './send';

export const SCENARIOS: readonly Scenario[] = [
  loginScenario,
  sendScenario,
  syncLatencyScenario,
  initialSyncScenario,
  fanoutScenario,
];

export type { BenchContext, Scenario, ScenarioResult } from './scenario';
