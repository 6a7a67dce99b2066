/**
 * The host side of the Forge bridge (`window.__bridge.callBridge`) for tests and the preview.
 *
 * Several panels can be mounted in one test file, each in its own module registry, and an earlier
 * one keeps running (its polls and timers) after the next is mounted. In the product each panel is
 * its own iframe with its own bridge, so one panel's calls never reach another's host. Two things
 * keep that true here:
 * - @forge/bridge captures `globalThis.__bridge.callBridge` when it is first imported (every
 *   `invoke`, `getContext`, `showFlag` of that panel), so `mountWith` puts the host's own bridge in
 *   place while that panel's modules load;
 * - @forge/react's reconciler reads `self.__bridge` at call time with the panel's own root object
 *   (`forgeDoc`), so the shared bridge routes each `reconcile` to the host that first saw that root.
 */
export type BridgeHandler = (command: string, payload: unknown) => Promise<unknown>;

interface Bridge {
  callBridge: (command: string, payload: unknown) => Promise<unknown>;
}

const unhandled: BridgeHandler = async (command) => {
  throw new Error(`No bridge host is listening (command "${command}")`);
};

let handler: BridgeHandler = unhandled;
/** Each reconciler root, by the host that rendered it first. */
const owners = new WeakMap<object, BridgeHandler>();

const shared: Bridge = {
  callBridge: (command, payload) => {
    const root = command === 'reconcile' ? (payload as { forgeDoc?: unknown })?.forgeDoc : undefined;
    if (root && typeof root === 'object') {
      const owner = owners.get(root) ?? handler;
      owners.set(root, owner);
      return owner(command, payload);
    }
    return handler(command, payload);
  },
};

function place(bridge: Bridge): void {
  const g = globalThis as { __bridge?: unknown; self?: unknown };
  g.__bridge = bridge;
  if (g.self === undefined) g.self = globalThis;
  (g.self as { __bridge?: unknown }).__bridge = bridge;
}

export function installBridge(): void {
  place(shared);
}

/** Routes bridge calls to `next`; returns a function that restores the previous handler. */
export function setBridgeHandler(next: BridgeHandler): () => void {
  const previous = handler;
  handler = next;
  return () => {
    handler = previous;
  };
}

/**
 * Runs `load` (which imports a panel in a fresh module registry) with `own` as the bridge those
 * modules capture, and makes `own` the handler for roots first seen from now on.
 */
export function mountWith(own: BridgeHandler, load: () => void): void {
  setBridgeHandler(own);
  place({ callBridge: (command, payload) => (command === 'reconcile' ? shared.callBridge(command, payload) : own(command, payload)) });
  try {
    load();
  } finally {
    place(shared);
  }
}
