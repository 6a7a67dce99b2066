/**
 * The Node side of the UI Kit bridge, for tests: it keeps the last ForgeDoc the reconciler sent,
 * answers `getContext` like Confluence does for the app's module (the byline item by default, the
 * ••• content action, or the global page, which has no content), routes `invoke` to the REAL
 * resolvers through the sandbox harness, and lets a test find nodes and call their `onClick` /
 * `onChange` props the way the product's renderer would.
 */
import { spaceOf, type Sandbox } from '../harness';
import { extensionFor, type ModuleType } from './invoke';
import type { BridgeHandler } from './bridge';

export type { ModuleType } from './invoke';

export interface ForgeNode {
  type: string;
  props: Record<string, unknown>;
  children: ForgeNode[];
  key: string;
}

/** Each module type's key in manifest.yml. */
export const MODULE_KEYS: Record<ModuleType, string> = {
  'confluence:contentBylineItem': 'content-toolkit-byline',
  'confluence:contentAction': 'content-toolkit-tree-export',
  'confluence:globalPage': 'database-inspector',
};

export interface Who {
  accountId: string;
  /** The page or blog post the module is on; the global page has none (and ignores one given). */
  content?: { id: string; type: 'page' | 'blogpost' };
  space?: { id: string; key: string };
  /** Defaults to the byline item. */
  module?: ModuleType;
  moduleKey?: string;
}

export interface Host {
  handler: BridgeHandler;
  lastDoc(): ForgeNode | undefined;
  find(predicate: (node: ForgeNode) => boolean): ForgeNode[];
  /** Text of a node and everything under it, as a reader would see it. */
  text(node?: ForgeNode): string;
  click(node: ForgeNode): Promise<void>;
  change(node: ForgeNode, value: unknown): Promise<void>;
  /** Enter in a field of this Form: the product's renderer submits the form (a native <form>). */
  submit(node: ForgeNode): Promise<void>;
  /** Waits until `probe` returns something truthy for the current doc, and returns that. */
  waitFor<T>(probe: (host: Host) => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  /** Resolves when no `invoke` is in flight. */
  idle(timeoutMs?: number): Promise<void>;
  flags: Array<Record<string, unknown>>;
  /** Every resolver key invoked, in order. */
  invoked: string[];
  /** Bridge commands this host does not implement (answered with undefined). */
  unknown: string[];
  errors: unknown[];
}

export function createHost(sandbox: Sandbox, who: Who): Host {
  let doc: ForgeNode | undefined;
  let inflight = 0;
  const module: ModuleType = who.module ?? 'confluence:contentBylineItem';
  const moduleKey = who.moduleKey ?? MODULE_KEYS[module];
  // A global page is not on any content: its context carries none, nor do its resolver calls.
  const content = module === 'confluence:globalPage' ? undefined : who.content;
  const flags: Array<Record<string, unknown>> = [];
  const invoked: string[] = [];
  const unknown: string[] = [];
  const errors: unknown[] = [];

  const context = () => ({
    accountId: who.accountId,
    cloudId: sandbox.platform.cloudId,
    siteUrl: sandbox.platform.confluenceUrl,
    moduleKey,
    localId: `${moduleKey}-local`,
    environmentId: 'sandbox-env',
    environmentType: 'DEVELOPMENT',
    locale: 'en-US',
    timezone: 'UTC',
    license: { isActive: true },
    // The same documented extension context the module's resolver calls carry (see extensionFor).
    extension: extensionFor(module, sandbox.platform.confluenceUrl, content, who.space ?? (content ? spaceOf(sandbox.confluence, content.id) : undefined)),
  });

  const handler: BridgeHandler = async (command, payload) => {
    switch (command) {
      case 'reconcile':
        doc = (payload as { forgeDoc: ForgeNode }).forgeDoc;
        return undefined;
      case 'getContext':
        return context();
      case 'invoke': {
        const { functionKey, payload: body } = payload as { functionKey: string; payload?: unknown };
        invoked.push(functionKey);
        inflight++;
        try {
          return await sandbox.invoke(functionKey, { accountId: who.accountId, content, payload: body, module: { key: moduleKey, type: module } });
        } finally {
          inflight--;
        }
      }
      case 'showFlag':
        flags.push(payload as Record<string, unknown>);
        return undefined;
      case 'closeFlag':
        return undefined;
      case 'onError':
        errors.push((payload as { error?: unknown })?.error);
        return undefined;
      default:
        unknown.push(command);
        console.warn(`[host] bridge command not implemented: ${command}`);
        return undefined;
    }
  };

  const walk = (node: ForgeNode | undefined, out: ForgeNode[], predicate: (n: ForgeNode) => boolean): ForgeNode[] => {
    if (!node) return out;
    if (predicate(node)) out.push(node);
    for (const child of node.children ?? []) walk(child, out, predicate);
    return out;
  };

  const text = (node: ForgeNode | undefined = doc): string => {
    if (!node) return '';
    if (node.type === 'String') return String(node.props.text ?? '');
    // Components that carry their text in props rather than children.
    const own = ['text', 'fileName', 'header', 'description', 'title', 'label']
      .map((k) => node.props[k])
      .filter((v): v is string => typeof v === 'string');
    return [...own, ...node.children.map((c) => text(c))].filter(Boolean).join(' ');
  };

  const prop = (node: ForgeNode, name: string): ((...args: unknown[]) => unknown) => {
    const fn = node.props[name];
    if (typeof fn !== 'function') throw new Error(`${node.type} has no ${name} handler (${text(node).slice(0, 60)})`);
    return fn as (...args: unknown[]) => unknown;
  };

  const host: Host = {
    handler,
    lastDoc: () => doc,
    find: (predicate) => walk(doc, [], predicate),
    text,
    async click(node) {
      if (node.props.isDisabled === true) throw new Error(`${node.type} "${text(node)}" is disabled`);
      await prop(node, 'onClick')();
    },
    async submit(node) {
      if (node.type !== 'Form') throw new Error(`${node.type} is not a Form`);
      await prop(node, 'onSubmit')({ preventDefault() {}, persist() {} });
    },
    async change(node, value) {
      const onChange = prop(node, 'onChange');
      // Each component hands its onChange what the product's renderer hands it.
      switch (node.type) {
        case 'Textfield':
        case 'TextArea':
          await onChange({ target: { value }, type: 'change' });
          break;
        case 'Checkbox':
        case 'Toggle':
          await onChange({ target: { checked: value }, type: 'change' });
          break;
        default:
          // Select (the chosen option), Tabs (the index), Pagination (event, page).
          await onChange(value);
      }
    },
    async waitFor(probe, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const found = probe(host);
        if (found) return found;
        if (Date.now() > end) {
          throw new Error(`waitFor timed out after ${timeoutMs} ms; the panel shows: ${text().slice(0, 800)}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async idle(timeoutMs = 5000) {
      await host.waitFor(() => inflight === 0, timeoutMs);
    },
    flags,
    invoked,
    unknown,
    errors,
  };
  return host;
}

/** Predicates for `find`. */
export const by = {
  type: (type: string) => (n: ForgeNode) => n.type === type,
  /** A node of `type` whose text contains `label`. */
  label: (type: string, label: string | RegExp) => (n: ForgeNode) =>
    n.type === type && (typeof label === 'string' ? collectText(n).includes(label) : label.test(collectText(n))),
  testId: (id: string) => (n: ForgeNode) => n.props.testId === id,
};

function collectText(node: ForgeNode): string {
  if (node.type === 'String') return String(node.props.text ?? '');
  const own = ['text', 'label', 'fileName'].map((k) => node.props[k]).filter((v): v is string => typeof v === 'string');
  return [...own, ...node.children.map(collectText)].join(' ');
}
