// A real PolicyStore on a temporary directory, seeded the way `lanewatch run` seeds it: a
// policies.yaml in a config directory read by loadPolicySeed, revision 1 written under a state
// directory. Tests that need particular reservations write them in that YAML document, so the
// effective policy comes from the real layering code, never from a hand-written PolicySource.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { PolicyDocument } from '../../server/policies/model.ts';
import { loadPolicySeed, policiesFileName } from '../../server/policies/seed.ts';
import { PolicyStore } from '../../server/policies/store.ts';
import type { PolicyTopology } from '../../server/policies/validate.ts';

export interface TempPolicyStore {
  store: PolicyStore;
  /** The temporary directory holding `config/policies.yaml` and `state/policies/`. */
  dir: string;
  /** Saves a new revision (as an engineer would through the API); throws with the problems when refused. */
  save(document: PolicyDocument, author?: string): Promise<number>;
  /** Removes the temporary directory. */
  close(): void;
}

export interface TempPolicyStoreOptions {
  topology: PolicyTopology;
  /** The seed document as an engineer writes it in policies.yaml. */
  policiesYaml: string;
  log?: Logger;
}

export async function openTempPolicyStore({ topology, policiesYaml, log = pino({ level: 'silent' }) }: TempPolicyStoreOptions): Promise<TempPolicyStore> {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-policies-'));
  try {
    const configDir = join(dir, 'config');
    mkdirSync(configDir);
    writeFileSync(join(configDir, policiesFileName), policiesYaml);
    const store = await PolicyStore.open({ dir: join(dir, 'state', 'policies'), seed: loadPolicySeed(configDir), topology, log });
    return {
      store,
      dir,
      async save(document, author = 'engineer') {
        const result = await store.update(document, { author, ifRevision: store.current().revision });
        if (!result.ok) throw new Error(`policy save refused: ${JSON.stringify(result)}`);
        return result.revision;
      },
      close: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
