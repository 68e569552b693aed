import { describe, expect, it } from 'vitest';
import { compileClassRules, type ClassSubject } from '../../collector/classify.ts';
import { classRuleSchema, classesSchema, defaultClassRules, type ClassRule } from '../../config/schema.ts';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const rules: ClassRule[] = [
  { match: { className: '^video$', policyName: '^WAN-IN$' }, class: 'other' }, // 0: both patterns must match
  { match: { className: '^(docex|van-?ban)' }, class: 'docex' }, // 1
  { match: { className: '^video' }, class: 'video' }, // 2
  { match: { className: '^class-default$' }, class: 'internet' }, // 3
  { match: { ifAlias: '\\bvideo\\b' }, class: 'video' }, // 4
  { match: { ifName: '\\.300$' }, class: 'internet' }, // 5
];

const table: [string, ClassSubject, { serviceClass: string; rule?: number }][] = [
  ['first rule needs both patterns', { className: 'VIDEO', policyName: 'WAN-IN' }, { serviceClass: 'other', rule: 0 }],
  ['one pattern of two is not enough', { className: 'VIDEO', policyName: 'WAN-OUT' }, { serviceClass: 'video', rule: 2 }],
  ['case-insensitive', { className: 'DocEx-Priority' }, { serviceClass: 'docex', rule: 1 }],
  ['regex alternation', { className: 'vanban' }, { serviceClass: 'docex', rule: 1 }],
  ['first match wins over later ones', { className: 'video', ifAlias: 'VIDEO [t1]' }, { serviceClass: 'video', rule: 2 }],
  ['anchored: class-default only', { className: 'class-default-2' }, { serviceClass: 'other' }],
  ['class-default → internet', { className: 'class-default' }, { serviceClass: 'internet', rule: 3 }],
  ['sub-interface by ifAlias (word boundary)', { ifName: 'Gi0/1.200', ifAlias: 'VIDEO [t2-x]' }, { serviceClass: 'video', rule: 4 }],
  ['sub-interface by ifName', { ifName: 'Gi0/1.300', ifAlias: 'no words' }, { serviceClass: 'internet', rule: 5 }],
  ['a pattern on a missing field does not match', { ifName: 'Gi0/1.200' }, { serviceClass: 'other' }],
  ['no match → other, no rule', { className: 'MGMT' }, { serviceClass: 'other' }],
  ['empty subject → other', {}, { serviceClass: 'other' }],
];

describe('classOf', () => {
  const classifier = compileClassRules(rules);
  it.each(table)('%s', (_name, subject, expected) => {
    expect(classifier.classOf(subject)).toEqual(expected);
  });

  it('no rules: everything is other and unmatched', () => {
    expect(compileClassRules([]).classOf({ className: 'class-default' })).toEqual({ serviceClass: 'other' });
  });
});

describe('the shipped rules', () => {
  const shipped = compileClassRules(defaultClassRules.map((r) => classRuleSchema.parse(r)));
  const file = classesSchema.parse(parse(readFileSync(fileURLToPath(new URL('../../config/example/classes.yaml', import.meta.url)), 'utf8')));
  const fromFile = compileClassRules(file.rules);
  const cases: [ClassSubject, string][] = [
    [{ className: 'DOCEX', policyName: 'WAN-OUT' }, 'docex'],
    [{ className: 'VIDEO', policyName: 'WAN-OUT' }, 'video'],
    [{ className: 'class-default', policyName: 'WAN-OUT' }, 'internet'],
    [{ className: 'MGMT', policyName: 'WAN-OUT' }, 'other'],
    [{ ifName: 'Gi0/2.100', ifAlias: 'DOCEX [t2-a-b]' }, 'docex'],
    [{ ifName: 'Gi0/2.200', ifAlias: 'VIDEO [t2-a-b]' }, 'video'],
    [{ ifName: 'Gi0/2.300', ifAlias: 'INTERNET [t2-a-b]' }, 'internet'],
  ];
  it.each(cases)('%o → %s (defaults and classes.yaml agree)', (subject, expected) => {
    expect(shipped.classOf(subject).serviceClass).toBe(expected);
    expect(shipped.classOf(subject).rule).toBeDefined();
    expect(fromFile.classOf(subject)).toEqual(shipped.classOf(subject));
  });
});
