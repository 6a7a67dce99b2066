// Two small renderers over the same ADF: Confluence storage XHTML (what `body-format=storage`
// returns) and rendered HTML (what `view`, `export_view` and `styled_view` return). They are not
// Confluence's renderers, but they keep the same structure (ac: macros, ri: resources, CSS
// classes) so that clients which parse either representation meet realistic input.
import type { AdfDoc, AdfMark, AdfNode } from './adf';
import { plainText, walk } from './adf';

export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const attr = (n: AdfNode, k: string): string => {
  const v = n.attrs?.[k];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
};

const isoDay = (n: AdfNode): string => {
  const t = Number(attr(n, 'timestamp'));
  return Number.isFinite(t) ? new Date(t).toISOString().slice(0, 10) : '';
};

type MacroParams = Record<string, { value?: unknown }>;
const macroParams = (n: AdfNode): Record<string, string> => {
  const params = n.attrs?.['parameters'] as { macroParams?: MacroParams } | undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params?.macroParams ?? {})) out[k] = String(v.value ?? '');
  return out;
};

// ---------------------------------------------------------------- storage

function markStorage(m: AdfMark, inner: string): string {
  const a = m.attrs ?? {};
  switch (m.type) {
    case 'strong': return `<strong>${inner}</strong>`;
    case 'em': return `<em>${inner}</em>`;
    case 'strike': return `<span style="text-decoration: line-through;">${inner}</span>`;
    case 'code': return `<code>${inner}</code>`;
    case 'underline': return `<u>${inner}</u>`;
    case 'subsup': return a['type'] === 'sup' ? `<sup>${inner}</sup>` : `<sub>${inner}</sub>`;
    case 'textColor': return `<span style="color: ${esc(String(a['color'] ?? ''))};">${inner}</span>`;
    case 'link': return `<a href="${esc(String(a['href'] ?? ''))}">${inner}</a>`;
    case 'annotation': return `<ac:inline-comment-marker ac:ref="${esc(String(a['id'] ?? ''))}">${inner}</ac:inline-comment-marker>`;
    default: return inner;
  }
}

const PANEL_MACRO: Record<string, string> = { info: 'info', note: 'note', warning: 'warning', tip: 'tip' };

function storageMacro(name: string, params: Record<string, string>, body?: string, plain = false): string {
  const ps = Object.entries(params).map(([k, v]) => `<ac:parameter ac:name="${esc(k)}">${esc(v)}</ac:parameter>`).join('');
  const b = body === undefined ? '' : plain ? `<ac:plain-text-body><![CDATA[${body.replace(/]]>/g, ']]]]><![CDATA[>')}]]></ac:plain-text-body>` : `<ac:rich-text-body>${body}</ac:rich-text-body>`;
  return `<ac:structured-macro ac:name="${esc(name)}" ac:schema-version="1">${ps}${b}</ac:structured-macro>`;
}

function storageNode(n: AdfNode): string {
  const kids = (): string => (n.content ?? []).map(storageNode).join('');
  switch (n.type) {
    case 'text': return (n.marks ?? []).reduce((s, m) => markStorage(m, s), esc(n.text ?? ''));
    case 'paragraph': return `<p>${kids()}</p>`;
    case 'heading': return `<h${attr(n, 'level') || 1}>${kids()}</h${attr(n, 'level') || 1}>`;
    case 'bulletList': return `<ul>${kids()}</ul>`;
    case 'orderedList': { const s = attr(n, 'order'); return `<ol${s && s !== '1' ? ` start="${s}"` : ''}>${kids()}</ol>`; }
    case 'listItem': return `<li>${kids()}</li>`;
    case 'taskList': return `<ac:task-list>${kids()}</ac:task-list>`;
    case 'taskItem': return `<ac:task><ac:task-id>${esc(attr(n, 'localId'))}</ac:task-id><ac:task-status>${attr(n, 'state') === 'DONE' ? 'complete' : 'incomplete'}</ac:task-status><ac:task-body>${kids()}</ac:task-body></ac:task>`;
    case 'decisionList': return `<ac:adf-extension><ac:adf-node type="decision-list"><ac:adf-attribute key="local-id">${esc(attr(n, 'localId'))}</ac:adf-attribute>${kids()}</ac:adf-node></ac:adf-extension>`;
    case 'decisionItem': return `<ac:adf-node type="decision-item"><ac:adf-attribute key="local-id">${esc(attr(n, 'localId'))}</ac:adf-attribute><ac:adf-attribute key="state">DECIDED</ac:adf-attribute><ac:adf-content>${kids()}</ac:adf-content></ac:adf-node>`;
    case 'codeBlock': return storageMacro('code', attr(n, 'language') ? { language: attr(n, 'language') } : {}, plainText(n), true);
    case 'blockquote': return `<blockquote>${kids()}</blockquote>`;
    case 'rule': return '<hr />';
    case 'hardBreak': return '<br />';
    case 'panel': {
      const t = attr(n, 'panelType');
      const name = PANEL_MACRO[t];
      // success/error panels have no classic macro; Confluence keeps them as ADF panels.
      return name ? storageMacro(name, {}, kids())
        : `<ac:adf-extension><ac:adf-node type="panel"><ac:adf-attribute key="panel-type">${esc(t)}</ac:adf-attribute><ac:adf-content>${kids()}</ac:adf-content></ac:adf-node></ac:adf-extension>`;
    }
    case 'expand': case 'nestedExpand': return storageMacro('expand', { title: attr(n, 'title') }, kids());
    case 'table': return `<table data-layout="${esc(attr(n, 'layout') || 'default')}"><tbody>${kids()}</tbody></table>`;
    case 'tableRow': return `<tr>${kids()}</tr>`;
    case 'tableHeader': case 'tableCell': {
      const tag = n.type === 'tableHeader' ? 'th' : 'td';
      const span = `${attr(n, 'colspan') ? ` colspan="${attr(n, 'colspan')}"` : ''}${attr(n, 'rowspan') ? ` rowspan="${attr(n, 'rowspan')}"` : ''}`;
      return `<${tag}${span}>${kids()}</${tag}>`;
    }
    case 'status': {
      const colour = attr(n, 'color');
      return storageMacro('status', { colour: colour.charAt(0).toUpperCase() + colour.slice(1), title: attr(n, 'text') });
    }
    case 'mention': return `<ac:link><ri:user ri:account-id="${esc(attr(n, 'id'))}" /></ac:link>`;
    case 'emoji': return `<ac:emoticon ac:name="blue-star" ac:emoji-shortname="${esc(attr(n, 'shortName'))}" ac:emoji-id="${esc(attr(n, 'id'))}" ac:emoji-fallback="${esc(attr(n, 'text'))}" />`;
    case 'date': return `<time datetime="${isoDay(n)}" />`;
    case 'inlineCard': return `<a href="${esc(attr(n, 'url'))}" data-card-appearance="inline">${esc(attr(n, 'url'))}</a>`;
    case 'blockCard': return `<p><a href="${esc(attr(n, 'url'))}" data-card-appearance="block">${esc(attr(n, 'url'))}</a></p>`;
    case 'mediaSingle': return (n.content ?? []).map((m) => `<ac:image ac:align="center" ac:layout="center" ac:alt="${esc(attr(m, 'alt'))}"><ri:attachment ri:filename="${esc(attr(m, 'alt'))}" /></ac:image>`).join('');
    case 'mediaGroup': return (n.content ?? []).map((m) => storageMacroRaw('view-file', `<ac:parameter ac:name="name"><ri:attachment ri:filename="${esc(attr(m, 'alt'))}" /></ac:parameter>`)).join('');
    case 'layoutSection': return `<ac:layout><ac:layout-section ac:type="${(n.content ?? []).length === 3 ? 'three_equal' : 'two_equal'}">${kids()}</ac:layout-section></ac:layout>`;
    case 'layoutColumn': return `<ac:layout-cell>${kids()}</ac:layout-cell>`;
    case 'extension': case 'inlineExtension': return storageMacro(attr(n, 'extensionKey'), macroParams(n));
    case 'bodiedExtension': return storageMacro(attr(n, 'extensionKey'), macroParams(n), kids());
    default: return kids();
  }
}

function storageMacroRaw(name: string, inner: string): string {
  return `<ac:structured-macro ac:name="${esc(name)}" ac:schema-version="1">${inner}</ac:structured-macro>`;
}

/** Confluence storage XHTML for an ADF document. */
export function toStorage(doc: AdfDoc): string {
  return doc.content.map(storageNode).join('');
}

// ---------------------------------------------------------------- view (rendered HTML)

export interface ViewContext {
  /** Site base, e.g. http://127.0.0.1:1234/wiki. Used for absolute links in export_view. */
  base: string;
  absolute: boolean;
  pageId: string;
  displayName(accountId: string): string | undefined;
  children(pageId: string): { id: string; title: string; webui: string }[];
  attachmentUrl(filename: string): string | undefined;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9]+/g, '');

function markView(m: AdfMark, inner: string): string {
  const a = m.attrs ?? {};
  switch (m.type) {
    case 'strike': return `<s>${inner}</s>`;
    case 'annotation': return `<span class="inline-comment-marker" data-ref="${esc(String(a['id'] ?? ''))}">${inner}</span>`;
    case 'link': return `<a href="${esc(String(a['href'] ?? ''))}" rel="nofollow">${inner}</a>`;
    default: return markStorage(m, inner);
  }
}

const PANEL_CLASS: Record<string, string> = {
  info: 'confluence-information-macro-information', note: 'confluence-information-macro-note',
  warning: 'confluence-information-macro-warning', tip: 'confluence-information-macro-tip',
  success: 'confluence-information-macro-tip', error: 'confluence-information-macro-warning',
};

function viewNode(n: AdfNode, ctx: ViewContext, doc: AdfDoc): string {
  const kids = (): string => (n.content ?? []).map((c) => viewNode(c, ctx, doc)).join('');
  const url = (rel: string): string => (ctx.absolute ? `${ctx.base}${rel}` : `/wiki${rel}`);
  switch (n.type) {
    case 'text': return (n.marks ?? []).reduce((s, m) => markView(m, s), esc(n.text ?? ''));
    case 'heading': { const l = attr(n, 'level') || '1'; return `<h${l} id="${slug(plainText(n))}">${kids()}</h${l}>`; }
    case 'taskList': return `<ul class="inline-task-list" data-inline-tasks-content-id="${esc(attr(n, 'localId'))}">${kids()}</ul>`;
    case 'taskItem': return `<li data-inline-task-id="${esc(attr(n, 'localId'))}"${attr(n, 'state') === 'DONE' ? ' class="checked"' : ''}>${kids()}</li>`;
    case 'decisionList': return `<ul class="decision-list">${kids()}</ul>`;
    case 'decisionItem': return `<li class="decision-item" data-decision-state="DECIDED">${kids()}</li>`;
    case 'codeBlock': return `<div class="code panel pdl conf-macro output-block" data-macro-name="code"><div class="codeContent panelContent pdl"><pre class="syntaxhighlighter-pre" data-syntaxhighlighter-params="brush: ${esc(attr(n, 'language') || 'text')}; gutter: false; theme: Confluence" data-theme="Confluence">${esc(plainText(n))}</pre></div></div>`;
    case 'panel': {
      const t = attr(n, 'panelType');
      return `<div class="confluence-information-macro ${PANEL_CLASS[t] ?? ''} conf-macro output-block" data-macro-name="${esc(t)}" data-panel-type="${esc(t)}"><div class="confluence-information-macro-body">${kids()}</div></div>`;
    }
    case 'expand': case 'nestedExpand': return `<div class="expand-container conf-macro output-block" data-macro-name="expand"><div class="expand-control"><span class="expand-control-text">${esc(attr(n, 'title') || 'Click here to expand...')}</span></div><div class="expand-content">${kids()}</div></div>`;
    case 'table': return `<div class="table-wrap"><table data-layout="${esc(attr(n, 'layout') || 'default')}" class="confluenceTable"><tbody>${kids()}</tbody></table></div>`;
    case 'tableHeader': case 'tableCell': {
      const tag = n.type === 'tableHeader' ? 'th' : 'td';
      const cls = n.type === 'tableHeader' ? 'confluenceTh' : 'confluenceTd';
      const span = `${attr(n, 'colspan') ? ` colspan="${attr(n, 'colspan')}"` : ''}${attr(n, 'rowspan') ? ` rowspan="${attr(n, 'rowspan')}"` : ''}`;
      return `<${tag} class="${cls}"${span}>${kids()}</${tag}>`;
    }
    case 'status': return `<span class="status-macro aui-lozenge aui-lozenge-${esc(attr(n, 'color'))} conf-macro output-inline" data-macro-name="status">${esc(attr(n, 'text'))}</span>`;
    case 'mention': {
      const id = attr(n, 'id');
      const name = ctx.displayName(id) ?? attr(n, 'text').replace(/^@/, '');
      return `<a class="confluence-userlink user-mention" data-account-id="${esc(id)}" href="${url(`/people/${encodeURIComponent(id)}`)}">${esc(name)}</a>`;
    }
    case 'emoji': return `<span class="emoji" data-emoji-short-name="${esc(attr(n, 'shortName'))}" data-emoji-id="${esc(attr(n, 'id'))}">${esc(attr(n, 'text'))}</span>`;
    case 'date': return `<time datetime="${isoDay(n)}" class="date-past">${isoDay(n)}</time>`;
    case 'inlineCard': case 'blockCard': {
      const u = attr(n, 'url');
      const a = `<a href="${esc(u)}" class="external-link" data-card-appearance="${n.type === 'inlineCard' ? 'inline' : 'block'}" rel="nofollow">${esc(u)}</a>`;
      return n.type === 'blockCard' ? `<p>${a}</p>` : a;
    }
    case 'mediaSingle': return (n.content ?? []).map((m) => {
      const src = ctx.attachmentUrl(attr(m, 'alt')) ?? '';
      return `<span class="confluence-embedded-file-wrapper image-center-wrapper"><img class="confluence-embedded-image image-center" alt="${esc(attr(m, 'alt'))}" src="${esc(src)}" data-media-id="${esc(attr(m, 'id'))}" data-linked-resource-container-id="${esc(ctx.pageId)}" /></span>`;
    }).join('');
    case 'mediaGroup': return (n.content ?? []).map((m) => {
      const href = ctx.attachmentUrl(attr(m, 'alt')) ?? '';
      return `<p><a href="${esc(href)}" data-linked-resource-type="attachment" data-media-id="${esc(attr(m, 'id'))}" class="confluence-embedded-file">${esc(attr(m, 'alt'))}</a></p>`;
    }).join('');
    case 'layoutSection': return `<div class="contentLayout2"><div class="columnLayout ${(n.content ?? []).length === 3 ? 'three-equal' : 'two-equal'}" data-layout="${(n.content ?? []).length === 3 ? 'three-equal' : 'two-equal'}">${kids()}</div></div>`;
    case 'layoutColumn': return `<div class="cell normal" data-type="normal"><div class="innerCell">${kids()}</div></div>`;
    case 'extension': case 'inlineExtension': case 'bodiedExtension': return viewMacro(n, ctx, doc, kids);
    default: {
      const s = storageNode({ ...n, content: [] });
      // Reuse the storage tag for plain structural nodes (p, lists, blockquote, hr, br) with view children.
      const m = /^<([a-z0-9]+)([^>]*)>/.exec(s);
      if (!m || s.endsWith('/>')) return s || kids();
      return `<${m[1]}${m[2]}>${kids()}</${m[1]}>`;
    }
  }
}

function viewMacro(n: AdfNode, ctx: ViewContext, doc: AdfDoc, kids: () => string): string {
  const key = attr(n, 'extensionKey');
  const params = macroParams(n);
  switch (key) {
    case 'toc': {
      const items: string[] = [];
      walk(doc, (x) => {
        if (x.type === 'heading') items.push(`<li><a href="#${slug(plainText(x))}">${esc(plainText(x))}</a></li>`);
      });
      return `<div class="toc-macro conf-macro output-block" data-macro-name="toc"><ul>${items.join('')}</ul></div>`;
    }
    case 'children': {
      const items = ctx.children(ctx.pageId).map((c) => `<li><a href="${esc(ctx.absolute ? ctx.base + c.webui : `/wiki${c.webui}`)}">${esc(c.title)}</a></li>`);
      return `<ul class="childpages-macro conf-macro output-block" data-macro-name="children">${items.join('')}</ul>`;
    }
    case 'jira': {
      const k = params['key'] ?? '';
      return `<span class="jira-issue conf-macro output-block" data-macro-name="jira" data-jira-key="${esc(k)}"><a href="https://example.atlassian.net/browse/${esc(k)}" class="jira-issue-key">${esc(k)}</a></span>`;
    }
    default:
      // What Confluence shows for a macro whose app is not installed.
      return `<div class="conf-macro output-block" data-macro-name="${esc(key)}"><span class="error">Unknown macro: {${esc(key)}}</span>${n.type === 'bodiedExtension' ? kids() : ''}</div>`;
  }
}

/** Rendered HTML (`view` / `export_view`) for an ADF document. */
export function toView(doc: AdfDoc, ctx: ViewContext): string {
  return doc.content.map((n) => viewNode(n, ctx, doc)).join('');
}

/** `styled_view`: a full HTML document with Confluence-like styles inlined. */
export function toStyledView(doc: AdfDoc, ctx: ViewContext): string {
  const css = 'body{font-family:-apple-system,"Segoe UI",sans-serif;font-size:14px;line-height:1.714}'
    + 'table.confluenceTable{border-collapse:collapse}.confluenceTd,.confluenceTh{border:1px solid #c1c7d0;padding:7px 10px}'
    + '.confluence-information-macro{border-radius:3px;padding:8px;margin:8px 0}.aui-lozenge{font-weight:bold;text-transform:uppercase}';
  return `<html><head><style>${css}</style></head><body>${toView(doc, ctx)}</body></html>`;
}

/** A crude storage -> ADF conversion for `PUT` with storage bodies: keeps block text, drops markup. */
export function storageToAdf(storage: string): AdfDoc {
  const blocks: AdfNode[] = [];
  const re = /<(p|h[1-6])(?:\s[^>]*)?>([\s\S]*?)<\/\1>/g;
  for (let m = re.exec(storage); m; m = re.exec(storage)) {
    const t = decode((m[2] ?? '').replace(/<[^>]+>/g, ''));
    const content = t ? [{ type: 'text', text: t }] : [];
    const tag = m[1] ?? 'p';
    blocks.push(tag === 'p' ? { type: 'paragraph', content } : { type: 'heading', attrs: { level: Number(tag.slice(1)) }, content });
  }
  if (!blocks.length && storage.trim()) blocks.push({ type: 'paragraph', content: [{ type: 'text', text: decode(storage.replace(/<[^>]+>/g, '')) }] });
  return { type: 'doc', version: 1, content: blocks };
}

const decode = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
