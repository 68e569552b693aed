// The policy used when nothing is stored yet: `<config dir>/policies.yaml`, or the built-in
// defaults when the config directory has none.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defaultThresholds } from './effective.ts';
import type { PolicyDocument } from './model.ts';
import { parsePolicyDocument } from './schema.ts';

export const policiesFileName = 'policies.yaml';

/** Defaults only: docex 10 %, video 20 %, the built-in thresholds. */
export function builtInPolicyDocument(): PolicyDocument {
  return {
    defaults: {
      reservations: { docex: { percent: 10 }, video: { percent: 20 } },
      thresholds: { ...defaultThresholds },
    },
    tiers: {},
    provinces: {},
    links: {},
  };
}

export class PolicySeedError extends Error {
  readonly problems: { path: string; message: string }[];
  constructor(file: string, problems: { path: string; message: string }[]) {
    super(`invalid policies in ${file}:\n${problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n')}`);
    this.name = 'PolicySeedError';
    this.problems = problems;
  }
}

/** Reads and schema-checks a policies YAML file (topology checks happen when the store opens). */
export function readPolicyFile(file: string): PolicyDocument {
  let value: unknown;
  try {
    value = parse(readFileSync(file, 'utf8')) as unknown;
  } catch (cause) {
    throw new Error(`cannot read policies from ${file}`, { cause });
  }
  const parsed = parsePolicyDocument(value);
  if (!parsed.ok) throw new PolicySeedError(file, parsed.problems);
  return parsed.document;
}

/** The seed for a config directory: its policies.yaml when present, else the built-in defaults. */
export function loadPolicySeed(configDir: string): PolicyDocument {
  const file = join(configDir, policiesFileName);
  return existsSync(file) ? readPolicyFile(file) : builtInPolicyDocument();
}
