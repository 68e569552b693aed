// `lanewatch check-config [dir]`: validates a config directory and prints a summary or every problem.
import type { CliCommand } from '../command.ts';
import { join, relative } from 'node:path';
import { defineCommand, loadConfigOrReport } from '../args.ts';
import { loadPolicySeed, policiesFileName, PolicySeedError } from '../../server/policies/seed.ts';
import { checkAgainstTopology } from '../../server/policies/validate.ts';

const usage = `Usage: lanewatch check-config [DIR] [--config DIR] [--json]

Validates settings.yaml, topology.yaml, classes.yaml and policies.yaml (the policy seed)
in DIR (default: the embedded example, config/example). Prints every problem as
"file:line key: reason" (policies: "file path: reason") and exits 1 when the
configuration is invalid, 0 when it is valid.

Options:
  --config DIR   the config directory (same as the positional DIR)
  --json         print the effective settings (defaults applied) as JSON; secrets are not printed
  -h, --help     this text`;

export const checkConfigCommand: CliCommand = defineCommand({
  name: 'check-config',
  summary: 'validate a config directory (file, key and reason for every problem)',
  usage,
  options: { config: { type: 'string' }, json: { type: 'boolean', default: false } },
  positionals: true,
  run: async ({ values, positionals }) => {
    const config = loadConfigOrReport(values.config ?? positionals[0]);
    if (!config) return 1;
    const { topology } = config;
    const policiesFile = relative(process.cwd(), join(config.dir, policiesFileName)) || policiesFileName;
    try {
      const problems = checkAgainstTopology(loadPolicySeed(config.dir), topology);
      if (problems.length > 0) throw new PolicySeedError(policiesFile, problems);
    } catch (err) {
      if (!(err instanceof PolicySeedError)) throw err;
      process.stderr.write(`invalid configuration:\n${err.problems.map((p) => `  ${policiesFile} ${p.path || '(root)'}: ${p.message}`).join('\n')}\n`);
      return 1;
    }
    if (values.json) {
      process.stdout.write(JSON.stringify({ dir: config.dir, settings: config.settings }, null, 2) + '\n');
    } else {
      const tier1 = topology.links.filter((l) => l.tier === 1).length;
      process.stdout.write(
        `${config.dir}: valid — ${topology.provinces.length} provinces, ${topology.routers.length} routers, ` +
          `${topology.links.length} links (${tier1} tier 1, ${topology.links.length - tier1} tier 2)\n`,
      );
    }
    return 0;
  },
});
