// What the configuration tests expect of a refused configuration: a ConfigError whose problems
// name the file, the key and the line of each mistake.
import { expect } from 'vitest';
import { ConfigError, type ConfigProblem } from '../../config/load.ts';

/** The problems of the ConfigError `load` throws; the test fails when it throws none or another error. */
export function configProblemsOf(load: () => unknown): ConfigProblem[] {
  let thrown: unknown;
  try {
    load();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  return (thrown as ConfigError).problems;
}

/** Among `problems`, the one at `key`: in a file named like `file`, its reason matching `reason`, at `line`. */
export function expectProblemAt(problems: readonly ConfigProblem[], key: string, expected: { file: RegExp; reason: RegExp; line: number }): void {
  const problem = problems.find((p) => p.key === key);
  expect(problem, JSON.stringify(problems)).toBeDefined();
  expect(problem?.file).toMatch(expected.file);
  expect(problem?.reason).toMatch(expected.reason);
  expect(problem?.line).toBe(expected.line);
}
