// Class rules (config/classes.yaml) → service class: ordered rules, each a set of
// case-insensitive regular expressions on class-map name, policy-map name, ifName and ifAlias;
// a rule matches when every pattern it gives matches (a pattern on a field the subject lacks
// does not match); the first matching rule decides. No match → `other`, with no rule index,
// so that the caller can list it as unmatched. Pure: compile once, classify many times.
import type { ClassRule } from '../config/schema.ts';
import type { ServiceClass } from './samples.ts';

/** What a rule can look at: a discovered QoS class (with its interface) or a sub-interface. */
export interface ClassSubject {
  className?: string | undefined;
  policyName?: string | undefined;
  ifName?: string | undefined;
  ifAlias?: string | undefined;
}

export interface Classification {
  serviceClass: ServiceClass;
  /** Index of the rule that matched (0-based, in config order); absent when none matched. */
  rule?: number;
}

const FIELDS = ['className', 'policyName', 'ifName', 'ifAlias'] as const;

interface CompiledRule {
  patterns: { field: (typeof FIELDS)[number]; regex: RegExp }[];
  serviceClass: ServiceClass;
}

export interface Classifier {
  classOf(subject: ClassSubject): Classification;
  /** How many rules were compiled. */
  readonly ruleCount: number;
}

/** Compiles the rules once (the config loader already checked every pattern is valid). */
export function compileClassRules(rules: readonly ClassRule[]): Classifier {
  const compiled: CompiledRule[] = rules.map((rule) => ({
    patterns: FIELDS.flatMap((field) => {
      const source = rule.match[field];
      return source === undefined ? [] : [{ field, regex: new RegExp(source, 'i') }];
    }),
    serviceClass: rule.class,
  }));
  return {
    ruleCount: compiled.length,
    classOf(subject: ClassSubject): Classification {
      for (let i = 0; i < compiled.length; i++) {
        const rule = compiled[i]!;
        // A rule without patterns (not allowed by the schema) never matches.
        if (rule.patterns.length === 0) continue;
        const matches = rule.patterns.every(({ field, regex }) => {
          const value = subject[field];
          return value !== undefined && regex.test(value);
        });
        if (matches) return { serviceClass: rule.serviceClass, rule: i };
      }
      return { serviceClass: 'other' };
    },
  };
}
