/**
 * The browser side of the preview: plays the product's part of the Forge bridge for the real
 * UI Kit bundle. It must run before the app bundle, because @forge/bridge captures
 * `globalThis.__bridge` when it is first imported. Commands:
 * - reconcile: draw the ForgeDoc (render.ts);
 * - getContext: the byline item's context for the chosen page and user, or the global page's (no
 *   content), built by the server;
 * - invoke: POST /api/invoke -> the real resolver in the Node process;
 * - fetchProduct: POST /api/fetch-product -> the sandbox Confluence as the chosen user;
 * - showFlag / closeFlag: flags (toasts) in the bottom-left corner, as in Confluence.
 */
import { h, listeners, renderDoc, type ForgeNode, type RenderHost } from './render';

export interface PreviewConfig {
  context: Record<string, unknown> & { accountId: string; extension: { content?: { id: string; type: 'page' | 'blogpost' } } };
  users: Record<string, string>;
}

declare global {
  interface Window {
    __PREVIEW__: PreviewConfig;
    __bridge?: { callBridge: (command: string, payload?: unknown) => Promise<unknown> };
    /** For tests and curious developers: the last ForgeDoc and bridge traffic. */
    __previewHost?: { doc: () => ForgeNode | undefined; calls: Array<{ command: string; key?: string; ms?: number; ok?: boolean }> };
  }
}

const config = window.__PREVIEW__;
const mount = document.getElementById('app-root');
const calls: Array<{ command: string; key?: string; ms?: number; ok?: boolean }> = [];
let doc: ForgeNode | undefined;
let scheduled = false;

const host: RenderHost = {
  state: new Map(),
  users: config.users,
  redraw: () => schedule(),
  download(fileName, blob) {
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: fileName, style: 'display:none' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
  fail(error) {
    console.error('[preview] app callback failed', error);
    flag({ id: `err-${Date.now()}`, type: 'error', title: 'The app threw an error', description: String((error as Error)?.message ?? error) });
  },
};

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(draw);
}

/** Redraws everything, then puts focus and caret back where the person was typing. */
function draw(): void {
  scheduled = false;
  if (!doc || !mount) return;
  const active = document.activeElement as (HTMLInputElement & { dataset: DOMStringMap }) | null;
  const focusKey = active?.dataset?.fkey;
  const caret = focusKey && 'selectionStart' in active ? [active.selectionStart, active.selectionEnd] : undefined;
  const tree = renderDoc(doc, host);
  const next = document.createElement('div');
  next.append(tree);
  morphChildren(mount, next);
  mount.dataset.rendered = String(Number(mount.dataset.rendered ?? '0') + 1);
  if (focusKey) {
    const again = mount.querySelector<HTMLInputElement>(`[data-fkey="${CSS.escape(focusKey)}"]`);
    again?.focus();
    if (again && caret && caret[0] !== null && caret[0] !== undefined) {
      try {
        again.setSelectionRange(caret[0], caret[1] ?? caret[0]);
      } catch {
        // Some input types (checkbox, date) have no caret.
      }
    }
  }
}

/**
 * Form controls are drawn anew: their value is the app's state (render.ts), and `draw` puts focus
 * and caret back.
 */
const CONTROLS = new Set(['INPUT', 'TEXTAREA', 'SELECT', 'OPTION']);

/**
 * Makes `old` what `next` is, keeping every node that is still there. Replacing the whole tree on
 * every redraw swapped the Cancel button out while the export's progress ticked, so a press and its
 * release landed on different buttons and the click was lost (test/browser: "Cancel stops it",
 * flaky in CI).
 */
function morph(old: Node, next: Node): Node {
  if (old.nodeName !== next.nodeName || CONTROLS.has(old.nodeName)) return next;
  if (!(old instanceof Element) || !(next instanceof Element)) {
    if (old.nodeValue !== next.nodeValue) old.nodeValue = next.nodeValue;
    return old;
  }
  for (const a of [...old.attributes]) if (!next.hasAttribute(a.name)) old.removeAttribute(a.name);
  for (const a of [...next.attributes]) if (old.getAttribute(a.name) !== a.value) old.setAttribute(a.name, a.value);
  for (const [type, f] of listeners.get(old) ?? []) old.removeEventListener(type, f);
  const moved = listeners.get(next) ?? [];
  for (const [type, f] of moved) old.addEventListener(type, f);
  listeners.set(old, moved);
  morphChildren(old, next);
  return old;
}

/** A child's key: its test id, as React keys children. */
const keyOf = (n: Node): string | undefined => (n instanceof Element ? n.getAttribute('data-testid') ?? undefined : undefined);
/** What an unkeyed child is: its tag and the UI Kit component drawn (`data-ui`). */
const kindOf = (n: Node): string => (n instanceof Element ? `${n.nodeName}|${n.getAttribute('data-ui') ?? ''}` : n.nodeName);

/**
 * Matches `next`'s children to `old`'s by key, else by kind in order, not by position: a message
 * that appears above a row of buttons shifted them by one, and matched by position the Cancel
 * button was drawn anew in the middle of a click (test/browser: "Cancel stops it", flaky in CI).
 */
function morphChildren(old: Node, next: Node): void {
  const keyed = new Map<string, Node>();
  // Unkeyed children by kind, each list taken in order (linear: lists of thousands are redrawn too).
  const free = new Map<string, Node[]>();
  for (const o of old.childNodes) {
    const k = keyOf(o);
    if (k !== undefined) keyed.set(k, o);
    else {
      const list = free.get(kindOf(o));
      if (list) list.push(o);
      else free.set(kindOf(o), [o]);
    }
  }
  const taken = new Map<string, number>();
  const placed = [...next.childNodes].map((n) => {
    const k = keyOf(n);
    let o: Node | undefined;
    if (k !== undefined) {
      o = keyed.get(k);
      keyed.delete(k);
    } else {
      const kind = kindOf(n);
      const i = taken.get(kind) ?? 0;
      o = free.get(kind)?.[i];
      taken.set(kind, i + 1);
    }
    return o ? morph(o, n) : n;
  });
  placed.forEach((n, i) => {
    const at = old.childNodes[i];
    if (at !== n) old.insertBefore(n, at ?? null);
  });
  while (old.childNodes.length > placed.length) old.lastChild?.remove();
}

interface FlagOptions { id: string | number; title?: string; description?: string; type?: string; appearance?: string; actions?: Array<{ text: string; onClick?: () => void }>; isAutoDismiss?: boolean }

function flag(o: FlagOptions): void {
  const box = document.getElementById('flags');
  if (!box) return;
  const type = o.type ?? o.appearance ?? 'info';
  const icons: Record<string, string> = { success: '✓', error: '⚠', warning: '⚠', info: 'ℹ' };
  const el = h('div', { class: `flag flag-${type}`, role: 'alert', 'data-flag-id': String(o.id) },
    h('span', { class: 'flag-icon' }, icons[type] ?? 'ℹ'),
    h('div', { class: 'flag-body' }, o.title ? h('strong', {}, o.title) : null, o.description ? h('div', {}, o.description) : null),
  );
  for (const a of o.actions ?? []) {
    const b = h('button', { type: 'button', class: 'ak-link-btn' }, a.text);
    b.addEventListener('click', () => a.onClick?.());
    el.append(b);
  }
  const close = h('button', { type: 'button', class: 'flag-close', 'aria-label': 'Dismiss' }, '✕');
  close.addEventListener('click', () => el.remove());
  el.append(close);
  box.append(el);
  if (o.isAutoDismiss !== false) setTimeout(() => el.remove(), 8000);
}

/**
 * What Confluence shows when a function fails with NeedsAuthenticationError: a prompt to allow the
 * app to act for the user. Granting it (POST /api/consent) and reloading re-mounts the module.
 */
function askConsent(): void {
  if (document.querySelector('[data-flag-id="consent"]')) return;
  flag({
    id: 'consent',
    type: 'warning',
    title: 'Allow access',
    description: 'Content Toolkit needs your permission to access Confluence on your behalf.',
    isAutoDismiss: false,
    actions: [{
      text: 'Allow access',
      onClick: () => void post('/api/consent', { accountId: config.context.accountId }).then(() => location.reload()),
    }],
  });
}

function log(entry: { command: string; key?: string; ms?: number; ok?: boolean; note?: string }): void {
  calls.push(entry);
  const list = document.getElementById('calls');
  if (!list || entry.command !== 'invoke') return;
  list.prepend(h('li', { class: entry.ok ? 'ok' : 'fail' }, h('code', {}, entry.key ?? ''), ` ${entry.ms ?? 0} ms `, entry.note ?? ''));
  while (list.children.length > 50) list.lastElementChild?.remove();
}

async function post<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = (await res.json()) as T & { message?: string; consentRequired?: boolean };
  if (!res.ok) throw Object.assign(new Error(data.message ?? `${path} answered ${res.status}`), { consentRequired: data.consentRequired === true });
  return data;
}

const who = (): { accountId: string; content?: { id: string; type: 'page' | 'blogpost' } } =>
  ({ accountId: config.context.accountId, content: config.context.extension.content });

async function callBridge(command: string, payload?: unknown): Promise<unknown> {
  switch (command) {
    case 'reconcile':
      doc = (payload as { forgeDoc: ForgeNode }).forgeDoc;
      schedule();
      return undefined;
    case 'getContext':
      return structuredClone(config.context);
    case 'invoke': {
      const { functionKey, payload: body, metadata } = payload as { functionKey: string; payload?: unknown; metadata?: unknown };
      const started = performance.now();
      try {
        const { result } = await post<{ result: unknown }>('/api/invoke', { key: functionKey, payload: body, ...who() });
        const ok = !(result && typeof result === 'object' && (result as { ok?: unknown }).ok === false);
        log({ command, key: functionKey, ms: Math.round(performance.now() - started), ok, note: ok ? '' : String((result as { error?: { code?: string } }).error?.code ?? 'error') });
        return metadata === undefined ? result : { body: result, metadata: {} };
      } catch (e) {
        log({ command, key: functionKey, ms: Math.round(performance.now() - started), ok: false, note: (e as Error).message });
        if ((e as { consentRequired?: boolean }).consentRequired) askConsent();
        throw e;
      }
    }
    case 'fetchProduct': {
      const { restPath, fetchRequestInit } = payload as { restPath: string; fetchRequestInit?: { method?: string; body?: string | null; headers?: Array<[string, string]> } };
      return post('/api/fetch-product', { restPath, method: fetchRequestInit?.method ?? 'GET', body: fetchRequestInit?.body ?? null, headers: fetchRequestInit?.headers ?? [], accountId: config.context.accountId });
    }
    case 'showFlag':
      flag(payload as FlagOptions);
      return undefined;
    case 'closeFlag':
      document.querySelector(`[data-flag-id="${CSS.escape(String((payload as { id: string }).id))}"]`)?.remove();
      return undefined;
    case 'onError':
      host.fail((payload as { error?: unknown }).error);
      return undefined;
    default:
      console.warn(`[preview] bridge command "${command}" is not implemented by the preview host`, payload);
      throw new Error(`The preview host does not implement the bridge command "${command}"`);
  }
}

const bridge = { callBridge };
window.__bridge = bridge;
(self as unknown as { __bridge: typeof bridge }).__bridge = bridge;
window.__previewHost = { doc: () => doc, calls };

/** Toolbar: page and user pickers re-mount the app (a reload with new query parameters). */
function wireToolbar(): void {
  const page = document.getElementById('pick-page') as HTMLSelectElement | null;
  const user = document.getElementById('pick-user') as HTMLSelectElement | null;
  const go = (): void => {
    const q = new URLSearchParams({ content: page?.value ?? '', user: user?.value ?? '' });
    location.search = q.toString();
  };
  page?.addEventListener('change', go);
  user?.addEventListener('change', go);
  const edit = document.getElementById('edit-page') as HTMLButtonElement | null;
  edit?.addEventListener('click', () => {
    edit.disabled = true;
    post<{ version: number; triggered: boolean; note: string }>('/api/edit', who())
      .then((r) => {
        // Confluence re-mounts the byline item when the page is reloaded after an edit; so do we.
        sessionStorage.setItem('preview-flag', JSON.stringify({ id: 'edited', type: 'success', title: `Page edited: version ${r.version}`, description: r.note }));
        location.reload();
      })
      .catch((e: unknown) => {
        edit.disabled = false;
        flag({ id: 'edit-failed', type: 'error', title: 'Edit failed', description: (e as Error).message });
      });
  });
  const pending = sessionStorage.getItem('preview-flag');
  if (pending) {
    sessionStorage.removeItem('preview-flag');
    flag(JSON.parse(pending) as FlagOptions);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wireToolbar);
else wireToolbar();
