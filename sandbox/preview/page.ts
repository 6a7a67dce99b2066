/**
 * The preview's HTML: a Confluence-like frame (toolbar with page picker, user switcher and "Edit
 * page", the page title, the byline panel) around the app, or the "Content Toolkit" global page
 * (picked from the same list, under Apps). The page and user come from the query string, so
 * switching either reloads the page and re-mounts the app, as Confluence does.
 */
import { readManifest, type Sandbox } from '../harness';
import type { Content, Site } from '../confluence/site';
import { SESSION_COOKIE } from '../confluence/server';

export interface Choice {
  id: string;
  type: 'page' | 'blogpost';
  title: string;
  depth: number;
  space: string;
  restricted: boolean;
}

/** Every page and blog post, per space in tree order (folders and databases are walked through). */
/** Pages of one space offered in the preview's picker (a large site has thousands; the first, in tree order, are listed). */
export const CHOICES_PER_SPACE = 150;

export function listContent(site: Site): Choice[] {
  const out: Choice[] = [];
  let inSpace = 0;
  const restrictedIn = (c: Content): boolean => site.ancestorIds(c.id).concat(c.id).some((id) => site.content(id)?.restrictedTo);
  const walk = (c: Content, depth: number): void => {
    const selectable = c.type === 'page';
    if (inSpace >= CHOICES_PER_SPACE) return;
    if (selectable) {
      out.push({ id: c.id, type: 'page', title: c.title, depth, space: c.spaceId, restricted: restrictedIn(c) });
      inSpace++;
    }
    for (const kid of site.childIds(c.id)) {
      const k = site.content(kid);
      if (k && k.status === 'current') walk(k, selectable ? depth + 1 : depth);
    }
  };
  for (const space of site.spaces.values()) {
    inSpace = 0;
    const roots = [...site.contents.values()].filter((c) => c.spaceId === space.id && c.parentId === null && c.status === 'current');
    for (const r of roots.filter((c) => c.type !== 'blogpost')) walk(r, 0);
    for (const b of roots.filter((c) => c.type === 'blogpost')) {
      out.push({ id: b.id, type: 'blogpost', title: b.title, depth: 0, space: space.id, restricted: restrictedIn(b) });
    }
  }
  return out;
}

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** JSON that is safe inside a <script> element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

/** The global page in the picker (its `content` query value) and its manifest module. */
export const GLOBAL_PAGE = { value: 'global:database-inspector', moduleKey: 'database-inspector', route: 'database-inspector', title: 'Content Toolkit' } as const;

export interface PageOptions {
  sandbox: Sandbox;
  /** Undefined: the global page, which is on no content. */
  content?: Choice;
  accountId: string;
  moduleKey: string;
  /** The panel's scripts, after the host's (default: esbuild's /app.js). */
  appScripts?: string[];
}

/** The context `view.getContext()` answers for the byline item or the global page (the shapes Confluence gives). */
export function forgeContext(o: PageOptions): Record<string, unknown> {
  const { sandbox, content } = o;
  const url = sandbox.platform.confluenceUrl;
  const base = {
    accountId: o.accountId,
    cloudId: sandbox.platform.cloudId,
    siteUrl: url,
    moduleKey: o.moduleKey,
    localId: `${o.moduleKey}-local`,
    environmentId: 'sandbox-env',
    environmentType: 'DEVELOPMENT',
    locale: 'en-US',
    timezone: 'UTC',
    license: { isActive: true },
    theme: { colorMode: 'light' },
  };
  if (!content) {
    return { ...base, extension: { type: 'confluence:globalPage', location: `${url}/wiki/apps/sandbox-app/sandbox-env/${GLOBAL_PAGE.route}` } };
  }
  const space = sandbox.confluence.site.spaces.get(content.space);
  return {
    ...base,
    extension: {
      type: 'confluence:contentBylineItem',
      content: { id: content.id, type: content.type, subtype: null },
      ...(space ? { space: { id: space.id, key: space.key } } : {}),
      isEditing: false,
      location: `${url}/wiki/spaces/${space?.key ?? ''}/pages/${content.id}`,
    },
  };
}

/**
 * Atlaskit modal-dialog's named widths in px (@atlaskit/modal-dialog 17, internal/width.js), the
 * sizes the UI Kit Modal docs name (ui-kit/components/modal).
 */
const MODAL_WIDTHS: Record<string, number> = { small: 400, medium: 600, large: 800, 'x-large': 968 };

/**
 * The width of the dialog Confluence opens a byline item in. Per the Forge manifest reference
 * (manifest-reference/modules/confluence-content-byline-item), `viewportContainer` is `popup` (the
 * default, a small inline dialog that resizes to its content) or `modal`, and `viewportSize` sets the
 * resource's display size. Undefined when the manifest leaves it to the popup.
 */
export function bylineWidth(moduleKey: string): number | undefined {
  const modules = (readManifest() as { modules?: Record<string, Array<{ key: string; viewportSize?: unknown; viewportContainer?: unknown }>> }).modules;
  const m = modules?.['confluence:contentBylineItem']?.find((b) => b.key === moduleKey);
  if (m?.viewportContainer !== 'modal' || typeof m.viewportSize !== 'string') return undefined;
  return MODAL_WIDTHS[m.viewportSize];
}

export function hostPage(o: PageOptions, choices: Choice[]): string {
  const site = o.sandbox.confluence.site;
  const users = [...site.users.values()].filter((u) => u.accountType === 'atlassian');
  const names = Object.fromEntries([...site.users.values()].map((u) => [u.accountId, u.displayName]));
  const spaceName = (id: string): string => site.spaces.get(id)?.name ?? id;
  const groups = new Map<string, Choice[]>();
  for (const c of choices) {
    const label = `${spaceName(c.space)}${c.type === 'blogpost' ? ' · blog' : ''}`;
    groups.set(label, [...(groups.get(label) ?? []), c]);
  }
  const options = [...groups].map(([label, list]) => `<optgroup label="${esc(label)}">${list.map((c) =>
    `<option value="${esc(`${c.type}:${c.id}`)}"${c.id === o.content?.id ? ' selected' : ''}>${'\u00a0\u00a0'.repeat(c.depth)}${esc(c.title)}${c.restricted ? ' 🔒' : ''}</option>`).join('')}</optgroup>`).join('')
    + `<optgroup label="Apps"><option value="${GLOBAL_PAGE.value}"${o.content ? '' : ' selected'}>${GLOBAL_PAGE.title}</option></optgroup>`;
  const userOptions = users.map((u) => `<option value="${esc(u.accountId)}"${u.accountId === o.accountId ? ' selected' : ''}>${esc(u.displayName)}</option>`).join('');
  const config = { context: forgeContext(o), users: names, session: `${SESSION_COOKIE}=${encodeURIComponent(o.accountId)}; path=/; SameSite=Lax` };
  const toolbar = (extra: string): string => `<header class="topbar">
  <span class="brand">Content Toolkit <span class="brand-sub">offline preview</span></span>
  <label>Page <select id="pick-page" aria-label="Page">${options}</select></label>
  <label>User <select id="pick-user" aria-label="User">${userOptions}</select></label>
  ${extra}
</header>`;
  const scripts = o.appScripts ?? ['/app.js'];
  if (!o.content) return globalPage(o, toolbar(''), config, scripts);
  const space = site.spaces.get(o.content.space);
  const ancestors = site.ancestorIds(o.content.id).map((id) => site.content(id)?.title ?? id);
  const hidden = !site.canSee({ kind: 'user', accountId: o.accountId }, o.content.id);
  const note = hidden
    ? `<div class="restricted-note" role="note">🔒 ${esc(names[o.accountId] ?? o.accountId)} cannot see this page: Confluence would not show it. The panel below runs anyway, so you can see how the app's resolvers answer.</div>`
    : '';
  const toolbarWithEdit = toolbar(`<button id="edit-page" type="button" class="ak-btn ak-btn-default" title="Append a paragraph as this user and deliver avi:confluence:updated:${o.content.type}">Edit page</button>
  <a class="topbar-link" href="${esc(o.sandbox.confluence.url)}/wiki/api/v2/${o.content.type === 'page' ? 'pages' : 'blogposts'}/${esc(o.content.id)}" target="_blank" rel="noreferrer">REST</a>`);
  const article = `<nav class="crumbs">${esc(space?.name ?? '')}${ancestors.map((t) => ` / ${esc(t)}`).join('')}</nav>
    <h1 id="page-title">${esc(o.content.title)}</h1>
    ${note}
    <div class="byline">By ${esc(names[site.content(o.content.id)?.authorId ?? ''] ?? 'someone')} · <span class="byline-item">⚙ Content Toolkit</span></div>`;
  return shell(esc(o.content.title), toolbarWithEdit, article, 'Content Toolkit panel', config, scripts, bylineWidth(o.moduleKey));
}

/** The global page: the app fills Confluence's main content area (no page, byline or Edit button). */
function globalPage(o: PageOptions, toolbar: string, config: unknown, scripts: string[]): string {
  return shell(GLOBAL_PAGE.title, toolbar, `<nav class="crumbs">Apps / ${GLOBAL_PAGE.title} (${esc(o.moduleKey)})</nav>`, GLOBAL_PAGE.title, config, scripts);
}

/** The host document around the app: toolbar, the article with the app's root, the call log. */
function shell(title: string, toolbar: string, article: string, label: string, config: unknown, scripts: string[], width?: number): string {
  const size = width ? ` style="width:${width}px;max-width:none;box-sizing:border-box" data-width="${width}"` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Content Toolkit preview</title>
<link rel="stylesheet" href="/host.css">
</head>
<body>
${toolbar}
<main class="layout">
  <article class="confluence-page">
    ${article}
    <section class="panel" aria-label="${label}"${size}>
      <div id="app-root"><div class="booting">Loading the app…</div></div>
    </section>
  </article>
  <aside class="calls"><h2>Resolver calls</h2><ul id="calls"></ul></aside>
</main>
<div id="flags" aria-live="polite"></div>
<script>window.__PREVIEW__ = ${scriptJson(config)};
// The Confluence session of the user shown: the sandbox's download servlet takes it (as real
// Confluence takes a browser's), so the panel's "Download it" links open. Cookies ignore ports, so
// the sandbox Confluence on 127.0.0.1 receives it.
document.cookie = window.__PREVIEW__.session;</script>
<script src="/host.js"></script>
${scripts.map((src) => `<script src="${esc(src)}"></script>`).join('\n')}
</body>
</html>`;
}
