/**
 * The host side of the Forge bridge (`window.__bridge.callBridge`) for tests and the preview.
 * @forge/bridge reads `globalThis.__bridge` once, at first import, so `installBridge` must run
 * before that import (jest setupFiles) and later hosts swap the handler, not the object.
 */
export type BridgeHandler = (command: string, payload: unknown) => Promise<unknown>;

const unhandled: BridgeHandler = async (command) => {
  throw new Error(`No bridge host is listening (command "${command}")`);
};

let handler: BridgeHandler = unhandled;

export function installBridge(): void {
  const bridge = { callBridge: (command: string, payload: unknown) => handler(command, payload) };
  const g = globalThis as { __bridge?: unknown; self?: unknown };
  g.__bridge = bridge;
  if (g.self === undefined) g.self = globalThis;
  (g.self as { __bridge?: unknown }).__bridge = bridge;
}

/** Routes bridge calls to `next`; returns a function that restores the previous handler. */
export function setBridgeHandler(next: BridgeHandler): () => void {
  const previous = handler;
  handler = next;
  return () => {
    handler = previous;
  };
}
