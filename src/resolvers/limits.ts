/**
 * The Forge invoke limits the resolvers stay inside (Forge docs, "Invocation limits":
 * "Front-end invocation response payload size: 5MB", "... request payload size: 500KB"). The docs
 * do not say decimal or binary, so the stricter decimal reading is used.
 */
export const MAX_RESPONSE_BYTES = 5_000_000;

/** What the platform measures: the whole value the function returns, as UTF-8 JSON. */
export function responseBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
