// The policy document as data: a strict zod schema. Everything from outside — the
// seed YAML, a stored revision, a PUT body — is `unknown` until `parsePolicyDocument` accepts it.
// Every problem names its key as a dotted path from the document root.
import { z } from 'zod';
import { factsOfZodIssue, saidOfIssue } from '../../api/issue-messages.ts';
import { said } from '../../api/messages.ts';
import type { Amount, PolicyDocument, PolicyLayer, PolicyProblem, Thresholds } from './model.ts';

/** Reservation or cap: `{ mbps }` xor `{ percent }` of the link's capacity. */
function amountSchema(kind: 'reservation' | 'cap') {
  const positive = kind === 'cap';
  const mbps = positive ? z.number().gt(0, 'must be above 0') : z.number().min(0, 'must be 0 or more');
  const percent = (positive ? z.number().gt(0, 'must be above 0') : z.number().min(0, 'must be 0 or more')).max(
    100,
    'must be at most 100 (percent of capacity)',
  );
  return z
    .object({ mbps: mbps.optional(), percent: percent.optional() })
    .strict()
    .superRefine((value, ctx) => {
      const given = (value.mbps !== undefined ? 1 : 0) + (value.percent !== undefined ? 1 : 0);
      if (given !== 1) {
        ctx.addIssue({
          code: 'custom',
          message: given === 0 ? 'give an amount: { mbps } or { percent }' : 'give either mbps or percent, not both',
          params: { code: given === 0 ? 'amount-missing' : 'amount-both' },
        });
      }
    })
    .transform((value): Amount => (value.mbps !== undefined ? { mbps: value.mbps } : { percent: value.percent ?? 0 }));
}

const utilization = z.number().gt(0, 'must be above 0').max(1.5, 'must be at most 1.5');
const sampleCount = z.number().int('must be an integer').min(1, 'must be at least 1').max(100, 'must be at most 100');

const thresholdFields = {
  highUtil: utilization,
  critUtil: utilization,
  dropRatio: z.number().gt(0, 'must be above 0').lt(1, 'must be below 1'),
  raiseAfter: sampleCount,
  clearAfter: sampleCount,
};

export const thresholdNames = ['highUtil', 'critUtil', 'dropRatio', 'raiseAfter', 'clearAfter'] as const satisfies readonly (keyof Thresholds)[];

function checkUtilOrder(value: Partial<Thresholds>, ctx: z.RefinementCtx): void {
  if (value.highUtil !== undefined && value.critUtil !== undefined && value.highUtil > value.critUtil) {
    ctx.addIssue({
      code: 'custom',
      path: ['critUtil'],
      message: `must be at least highUtil (${value.highUtil})`,
      params: { code: 'crit-below-high', highUtil: value.highUtil },
    });
  }
}

const partialThresholdsSchema = z
  .object({
    highUtil: thresholdFields.highUtil.optional(),
    critUtil: thresholdFields.critUtil.optional(),
    dropRatio: thresholdFields.dropRatio.optional(),
    raiseAfter: thresholdFields.raiseAfter.optional(),
    clearAfter: thresholdFields.clearAfter.optional(),
  })
  .strict()
  .superRefine(checkUtilOrder);

const fullThresholdsSchema = z.object(thresholdFields).strict().superRefine(checkUtilOrder);

const reservationsSchema = z
  .object({ docex: amountSchema('reservation').optional(), video: amountSchema('reservation').optional() })
  .strict();

function layerSchema(thresholds: typeof partialThresholdsSchema | typeof fullThresholdsSchema) {
  return z
    .object({
      reservations: reservationsSchema.optional(),
      internetCap: amountSchema('cap').nullable().optional(),
      thresholds: thresholds.optional(),
    })
    .strict();
}

const policyLayerSchema = layerSchema(partialThresholdsSchema);

const defaultsLayerSchema = layerSchema(fullThresholdsSchema).extend({
  thresholds: fullThresholdsSchema,
});

export const policyDocumentSchema = z
  .object({
    defaults: defaultsLayerSchema,
    tiers: z
      .object({ '1': policyLayerSchema.optional(), '2': policyLayerSchema.optional() })
      .strict()
      .default({}),
    provinces: z.record(z.string().min(1), policyLayerSchema).default({}),
    links: z.record(z.string().min(1), policyLayerSchema).default({}),
  })
  .strict();

/** The path of a zod issue, dotted; an unknown key is named itself. */
function issuePath(path: readonly PropertyKey[], extraKey?: string): string {
  const parts = path.map((part) => String(part));
  if (extraKey !== undefined) parts.push(extraKey);
  return parts.join('.');
}

/** The value at a path of the input, or undefined when the path is absent. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/**
 * Zod issues about `input` as problems, one per unknown key; a missing key is "required". Each
 * says its code (api/messages.ts) with the key's dotted path as `field`.
 */
function problemsOfIssues(input: unknown, issues: readonly z.core.$ZodIssue[]): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const issue of issues) {
    const path = issue.path;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const field = issuePath(path, key);
        problems.push({ path: field, ...said('unknown-key', { field }), message: 'unknown key' });
      }
      continue;
    }
    const field = issuePath(path);
    const present = valueAt(input, path) !== undefined;
    const what = saidOfIssue(factsOfZodIssue(issue), field, present);
    const message = issue.code === 'invalid_type' && !present ? `required (${issue.expected})` : issue.message;
    problems.push({ path: field, ...what, message });
  }
  return problems;
}

export type ParseResult = { ok: true; document: PolicyDocument } | { ok: false; problems: PolicyProblem[] };

/** Drops absent optional keys, so a parsed document compares and serialises like its source. */
function cleanLayer(layer: z.infer<typeof policyLayerSchema>): PolicyLayer {
  const out: PolicyLayer = {};
  if (layer.reservations !== undefined) {
    const reservations: NonNullable<PolicyLayer['reservations']> = {};
    if (layer.reservations.docex !== undefined) reservations.docex = layer.reservations.docex;
    if (layer.reservations.video !== undefined) reservations.video = layer.reservations.video;
    out.reservations = reservations;
  }
  if (layer.internetCap !== undefined) out.internetCap = layer.internetCap;
  if (layer.thresholds !== undefined) {
    const thresholds: Partial<Thresholds> = {};
    for (const name of thresholdNames) {
      const value = layer.thresholds[name];
      if (value !== undefined) thresholds[name] = value;
    }
    out.thresholds = thresholds;
  }
  return out;
}

/** Schema check only (no topology): the document, or every problem with its path. */
export function parsePolicyDocument(input: unknown): ParseResult {
  const result = policyDocumentSchema.safeParse(input);
  if (!result.success) return { ok: false, problems: problemsOfIssues(input, result.error.issues) };
  const parsed = result.data;
  const tiers: PolicyDocument['tiers'] = {};
  if (parsed.tiers['1'] !== undefined) tiers['1'] = cleanLayer(parsed.tiers['1']);
  if (parsed.tiers['2'] !== undefined) tiers['2'] = cleanLayer(parsed.tiers['2']);
  const provinces: Record<string, PolicyLayer> = {};
  for (const [key, layer] of Object.entries(parsed.provinces)) provinces[key] = cleanLayer(layer);
  const links: Record<string, PolicyLayer> = {};
  for (const [key, layer] of Object.entries(parsed.links)) links[key] = cleanLayer(layer);
  return { ok: true, document: { defaults: cleanLayer(parsed.defaults), tiers, provinces, links } };
}
