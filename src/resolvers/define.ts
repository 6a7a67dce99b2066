/**
 * The one wrapper every resolver goes through: validate, run, and turn any failure into the
 * `{ok:false, error}` envelope (except the consent error, which must reach the platform). Logs
 * carry the key and error code only: never payloads or bodies.
 */
import type Resolver from '@forge/resolver';
import { isConfluenceError, passConsent } from '../confluence/errors';
import type { Envelope } from '../shared/envelope';
import { BadInput, validate, type Check } from '../shared/validate';
import { readContext, type CallContext } from './context';
import { MAX_RESPONSE_BYTES, megabytes, responseBytes } from './limits';

/** A failure the service wants shown as is (e.g. "too large, use the tree export"). */
export class AppError extends Error {
  constructor(readonly code: string, message: string, readonly hint?: string) {
    super(message);
    this.name = 'AppError';
  }
}

export function defineResolver<P, T>(
  resolver: Resolver,
  key: string,
  payload: Check<P>,
  run: (input: P, ctx: CallContext) => Promise<T>,
): void {
  resolver.define(key, async ({ payload: raw, context }): Promise<Envelope<T>> => {
    try {
      const ctx = readContext(context);
      const input = validate(payload, raw);
      const answer: Envelope<T> = { ok: true, data: await run(input, ctx) };
      // Forge drops an answer over 5 MB and the panel gets a bare failure: say why instead.
      const bytes = responseBytes(answer);
      if (bytes > MAX_RESPONSE_BYTES) throw new AppError('TOO_LARGE', `The answer is ${megabytes(bytes)}, more than the ${megabytes(MAX_RESPONSE_BYTES)} Forge lets an app send to the panel.`, 'Ask for less: filter, or export to an attachment.');
      return answer;
    } catch (e) {
      // Escapes to the platform, which then shows the user Forge's "Allow access" prompt.
      passConsent(e);
      return { ok: false, error: toError(key, e) };
    }
  });
}

export function toError(key: string, e: unknown): { code: string; message: string; hint?: string; status?: number } {
  if (e instanceof BadInput) return { code: 'BAD_REQUEST', message: e.message, hint: 'Check the values and try again.' };
  if (e instanceof AppError) return { code: e.code, message: e.message, hint: e.hint };
  if (isConfluenceError(e)) {
    console.warn(`[${key}] Confluence ${e.status} ${e.code}`);
    return { code: e.code, message: e.message, hint: e.hint, status: e.status };
  }
  console.error(`[${key}] unexpected error: ${e instanceof Error ? e.name : typeof e}`);
  return { code: 'INTERNAL', message: 'Something went wrong in the app.', hint: 'Try again. If it keeps happening, tell the app developers.' };
}
