/** Small numeric helpers the benchmarks share. */

/** The p-th percentile (nearest rank) of `xs`; 0 for none. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/** `n` rounded to `d` decimals. */
export const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;
