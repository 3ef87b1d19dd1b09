/** Thrown by loadConfig with every problem found, so one startup lists them all. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

/**
 * Thrown by loadConfig when the command line asks for --help (even alongside other problems):
 * the caller prints `usage` (also on this error) to stdout and exits 0.
 */
export class HelpRequested extends Error {
  readonly usage: string;

  constructor(usage: string) {
    super('Help requested (--help)');
    this.name = 'HelpRequested';
    this.usage = usage;
  }
}
