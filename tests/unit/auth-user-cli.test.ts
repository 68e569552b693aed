// The pure parts of `lanewatch user`: keys at the no-echo prompt, the first line of standard
// input as a password, and JSON lines for import (every bad line named, nothing half-read).
import { describe, expect, it } from 'vitest';
import { editHiddenLine, firstLine, parseImport } from '../../cli/commands/user.ts';

describe('editHiddenLine', () => {
  it.each([
    ['typing', '', 'secret', { text: 'secret', done: false, cancelled: false }],
    ['Enter', 'secret', '\r', { text: 'secret', done: true, cancelled: false }],
    ['a pasted line', '', 'pasted pw\r\n', { text: 'pasted pw', done: true, cancelled: false }],
    ['keys after Enter are not taken', '', 'ab\rcd', { text: 'ab', done: true, cancelled: false }],
    ['Ctrl-D', 'abc', '\u0004', { text: 'abc', done: true, cancelled: false }],
    ['Ctrl-C', 'abc', 'x\u0003', { text: '', done: false, cancelled: true }],
    ['Backspace (DEL)', 'abc', '\u007f', { text: 'ab', done: false, cancelled: false }],
    ['Backspace (BS)', 'abc', '\b\b', { text: 'a', done: false, cancelled: false }],
    ['Backspace on empty', '', '\u007f', { text: '', done: false, cancelled: false }],
    ['Backspace removes one character, not half of one', 'mật🔑', '\u007f', { text: 'mật', done: false, cancelled: false }],
    ['Ctrl-U', 'abc', '\u0015de', { text: 'de', done: false, cancelled: false }],
    ['arrow keys', 'ab', '\u001b[D\u001b[Cc', { text: 'abc', done: false, cancelled: false }],
    ['Delete key', 'ab', '\u001b[3~c', { text: 'abc', done: false, cancelled: false }],
    ['SS3 keys', 'ab', '\u001bOHc', { text: 'abc', done: false, cancelled: false }],
    ['Tab and other controls', 'a', '\t\u0001b', { text: 'ab', done: false, cancelled: false }],
    ['Vietnamese letters and spaces', '', ' Thanh Hoá ', { text: ' Thanh Hoá ', done: false, cancelled: false }],
  ])('%s', (_name, text, keys, expected) => {
    expect(editHiddenLine(text, keys)).toEqual(expected);
  });
});

describe('firstLine', () => {
  it.each([
    ['', undefined],
    ['\n', ''],
    ['pw', 'pw'],
    ['pw\n', 'pw'],
    ['pw\r\n', 'pw'],
    ['  spaced pw  \nsecond line', '  spaced pw  '],
  ])('%j → %j', (text, expected) => {
    expect(firstLine(text)).toBe(expected);
  });
});

describe('parseImport', () => {
  const provinces = new Set(['ha-noi', 'thanh-hoa']);
  const line = (value: unknown) => JSON.stringify(value);

  it('reads accounts, skipping blank lines and CRLF endings', () => {
    const text = [
      line({ username: 'admin', role: 'admin', password: 'admin-password' }),
      '',
      line({ username: 'th.it', role: 'province', province: 'thanh-hoa', password: 'province-password' }),
      '   ',
    ].join('\r\n');
    expect(parseImport(text, provinces)).toEqual({
      users: [
        { username: 'admin', role: 'admin', password: 'admin-password' },
        { username: 'th.it', role: 'province', province: 'thanh-hoa', password: 'province-password' },
      ],
    });
  });

  it.each([
    ['', 'no accounts: standard input has no JSON lines'],
    ['{', 'line 1: not a JSON object'],
    ['"a string"', 'line 1: not a JSON object'],
    ['[1]', 'line 1: not a JSON object'],
    ['null', 'line 1: not a JSON object'],
    [line({ username: 'a', role: 'viewer' }), 'line 1: missing password (expected {"username","role","province"?,"password"})'],
    [line({ password: 'long enough' }), 'line 1: missing username, role'],
    [line({ username: 'a', role: 'viewer', password: 'long enough', admin: true }), 'line 1: admin: unknown key'],
    [line({ username: 'a', role: 'viewer', password: 12345678 }), 'line 1: password: Invalid input: expected string, received number'],
    [line({ username: 'A', role: 'viewer', password: 'long enough' }), 'line 1: invalid user name "A"'],
    [line({ username: 'a', role: 'boss', password: 'long enough' }), 'line 1: invalid role "boss"'],
    [line({ username: 'a', role: 'province', password: 'long enough' }), 'line 1: user "a" has role province: a province is required'],
    [line({ username: 'a', role: 'province', province: 'hue', password: 'long enough' }), 'line 1: unknown province "hue": not in the topology'],
    [line({ username: 'a', role: 'viewer', province: 'ha-noi', password: 'long enough' }), 'line 1: user "a" has role viewer: only role province takes a province'],
    [line({ username: 'a', role: 'viewer', password: 'short' }), 'line 1: user "a": the password is too short'],
  ])('refuses %j', (text, problem) => {
    const result = parseImport(text, provinces);
    expect('problems' in result ? result.problems[0] : undefined).toContain(problem);
  });

  it('names every bad line, and a name given twice', () => {
    const text = [
      line({ username: 'a', role: 'viewer', password: 'long enough' }),
      'nope',
      line({ username: 'a', role: 'admin', password: 'long enough' }),
      line({ username: 'b', role: 'viewer', password: 'x' }),
    ].join('\n');
    expect(parseImport(text, provinces)).toEqual({
      problems: [
        'line 2: not a JSON object',
        'line 3: user "a" is already on line 1',
        'line 4: user "b": the password is too short: at least 8 characters, got 1',
      ],
    });
  });
});
