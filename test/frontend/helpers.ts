/** Mounting the real panel against the real resolvers, through the test host of the bridge. */
import { mountWith } from '../../sandbox/forge/bridge';
import { by, createHost, type ForgeNode, type Host, type Who } from '../../sandbox/forge/host';
import type { Sandbox } from '../../sandbox/harness';

export { by };

/**
 * Renders src/frontend/index.tsx afresh (its own module registry, so its own React root) with a host
 * for `who` (as `who.module`, the byline item by default), and waits for the header to settle. Earlier mounts keep their own host: their calls never reach this one.
 */
export async function mount(sandbox: Sandbox, who: Who): Promise<Host> {
  const host = createHost(sandbox, who);
  // The panel's modules capture this host's own bridge, so an earlier panel, still polling, keeps
  // talking to its own host (as each panel is its own iframe in the product).
  mountWith(host.handler, () =>
    jest.isolateModules(() => {
      require('../../src/frontend/index');
    }),
  );
  // The page header, or the global page's inspector (it has no page to read).
  const settled = ['header', 'header-error', 'database-inspector'];
  await host.waitFor((h) => h.find((n) => settled.includes(String(n.props.testId))).length > 0);
  await host.idle();
  return host;
}

export function one(host: Host, predicate: (n: ForgeNode) => boolean, what = 'node'): ForgeNode {
  const found = host.find(predicate);
  if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length}; the panel shows: ${host.text().slice(0, 600)}`);
  return found[0] as ForgeNode;
}

export const byTestId = (host: Host, id: string): ForgeNode => one(host, by.testId(id), id);
export const has = (host: Host, id: string): boolean => host.find(by.testId(id)).length > 0;

/** Opens a tab by index (Export 0, Comments 1, Databases 2, Activity 3) the way the Tabs host does. */
export async function openTab(host: Host, index: number): Promise<void> {
  await host.change(one(host, by.type('Tabs'), 'Tabs'), index);
}

export async function blobText(blob: unknown): Promise<string> {
  if (!(blob instanceof Blob)) throw new Error('onDownload did not return a Blob');
  return blob.text();
}

/** The one node under `root` that matches. */
export function within(host: Host, root: ForgeNode, predicate: (n: ForgeNode) => boolean): ForgeNode {
  const found: ForgeNode[] = [];
  const walk = (n: ForgeNode): void => {
    if (predicate(n)) found.push(n);
    n.children.forEach(walk);
  };
  walk(root);
  if (found.length !== 1) throw new Error(`expected one match under ${root.type}, found ${found.length}: ${host.text(root).slice(0, 300)}`);
  return found[0] as ForgeNode;
}
