import type { Envelope } from '../src/shared/envelope';

/** A resolver's data, or the test fails with the error envelope it answered instead. */
export function ok<T>(env: Envelope<T>): T {
  if (!env.ok) throw new Error(`expected ok, got ${JSON.stringify(env.error)}`);
  return env.data;
}
