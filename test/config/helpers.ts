import type { Config, LoadConfigInput } from '../../src/config/load-config.ts';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';

/** loadConfig over an in-memory file system rooted at /work (paths are resolved against it). */
export function load(
  argv: readonly string[] = [],
  env: LoadConfigInput['env'] = {},
  files: Readonly<Record<string, unknown>> = {},
): Config {
  return loadConfig({ argv, env, cwd: '/work', readFile: memoryFs(files) });
}

export function memoryFs(files: Readonly<Record<string, unknown>>): (path: string) => string {
  return (path) => {
    const content = files[path];
    if (content === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return typeof content === 'string' ? content : JSON.stringify(content);
  };
}

/** The problems of the ConfigError `run` throws (fails the test if it throws nothing, or something else). */
export function problemsOf(run: () => unknown): readonly string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
