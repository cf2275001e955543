/** One thing wrong with the configuration, named by file and YAML (snake_case) key path. */
export interface ConfigProblem {
  file: string;
  /** e.g. `listeners[0].port`; empty when the problem is the file itself. */
  key: string;
  /** What the key should have been, e.g. `an integer 1-65535`. */
  expected: string;
}

/**
 * Thrown by `loadConfig` with every problem found, so an operator fixes them in one pass.
 * Apps print `format()` and exit 1 without a stack trace.
 */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
  }

  format(): string {
    return this.message;
  }
}

/** One problem is one line (what a start refusal prints); several are a header and a line each. */
function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map(
    ({ file, key, expected }) => `${file}: ${key === '' ? '' : `${key}: `}expected ${expected}`,
  );
  if (lines.length === 1) return `Invalid configuration: ${lines[0]}`;
  return ['Invalid configuration:', ...lines.map((line) => `  ${line}`)].join('\n');
}
