// A pure function's answers as a table: one test per row.
import { expect, it } from 'vitest';

/**
 * One test per row `[...arguments, expected]`: `fn(...arguments)` is `expected` (as `toBe`).
 * `title` names a row with vitest's placeholders over the row in order (`'%d ms → %s'`).
 */
export function itReturns<Args extends unknown[], Result>(title: string, fn: (...args: Args) => Result, rows: ReadonlyArray<[...Args, Result]>): void {
  it.each(rows)(title, (...row) => {
    const args = row.slice(0, -1) as Args;
    expect(fn(...args)).toBe(row.at(-1));
  });
}
