/** Number formatting of the reports: `num` writes what Intl's en-US format writes, without loading Intl. */
import { describe, expect, it } from 'vitest';
import { num } from '../src/report/format.js';

const intl = (x: number, d: number) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

describe('num', () => {
  it("writes the characters of toLocaleString('en-US') with fixed decimals: ties, carries, signs, extremes", () => {
    const cases = [0, -0, 1.005, 2.675, 0.125, 0.5, 1.5, 2.5, -0.5, -0.001, 9.995, 99.95, 999.995, 999999.5, 1e21, 1e-7, 123456789.123456789, 0.000001, 5e-324, 1.7976931348623157e308, NaN, Infinity, -Infinity];
    for (const x of cases) for (let d = 0; d <= 10; d++) expect(num(x, d), `${x} with ${d} decimals`).toBe(Number.isFinite(x) ? intl(x, d) : String(x));
  });

  it('agrees with Intl on 50,000 numbers of every magnitude, many of them halfway between two results', () => {
    let seed = 12345;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    for (let i = 0; i < 50_000; i++) {
      const d = Math.floor(rnd() * 11);
      let x = (rnd() - 0.3) * 10 ** (Math.floor(rnd() * 30) - 10);
      if (i % 3 === 0) x = Math.round(x * 10 ** (d + 1)) / 10 ** (d + 1) + (i % 2 ? 0 : 5 * 10 ** -(d + 1));
      expect(num(x, d), `${x} with ${d} decimals`).toBe(intl(x, d));
    }
  });
});
