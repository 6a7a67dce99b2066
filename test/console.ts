/**
 * The app logs a refusal Confluence gave (`[key] Confluence 404 NOT_FOUND`, src/resolvers/define.ts)
 * with console.warn. A test that provokes one on purpose asserts that line instead of printing it
 * (issue 23: `npm test` printed dozens of expected warning blocks).
 */
export async function withWarnings<T>(run: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const spy = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warnings.push(args.map(String).join(' ')));
  try {
    return { value: await run(), warnings };
  } finally {
    spy.mockRestore();
  }
}
