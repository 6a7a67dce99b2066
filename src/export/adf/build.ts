import type * as Md from 'mdast';
import type { Flow, MdNode, Phrasing } from './state';
import { own, withData } from './state';
import { escapeHtml } from '../mdast-html';

export { escapeHtml };

/** Small mdast builders shared by the node and macro handlers. */
export function text(value: string): Md.Text {
  return { type: 'text', value };
}

/**
 * Spaces at the edges of a paragraph or heading are invisible in Confluence but not in Markdown,
 * where the serializer must write them as `&#x20;` (and four leading spaces would start a code
 * block), so they are trimmed. So are hard breaks there: a trailing one would print a backslash.
 */
export function trimEdges(children: Phrasing[]): Phrasing[] {
  let start = 0;
  let end = children.length;
  const blank = (n: Phrasing | undefined): boolean => n?.type === 'break' || (n?.type === 'text' && n.value.trim() === '');
  while (start < end && blank(children[start])) start += 1;
  while (end > start && blank(children[end - 1])) end -= 1;
  const out = start === 0 && end === children.length ? children : children.slice(start, end);
  const first = out[0];
  if (first?.type === 'text') first.value = first.value.replace(/^[ \t]+/, '');
  const last = out[out.length - 1];
  if (last?.type === 'text') last.value = last.value.replace(/[ \t]+$/, '');
  return out;
}

export function paragraph(children: Phrasing[]): Md.Paragraph {
  return { type: 'paragraph', children: trimEdges(children).filter((c) => c.type !== 'text' || c.value !== '') };
}

export function html(value: string): Md.Html {
  return { type: 'html', value };
}

/** Plain text of converted phrasing (what a reader sees), for slugs and titles. */
export function plainText(nodes: readonly MdNode[]): string {
  return nodes
    .map((n) => (n.type === 'html' ? '' : 'value' in n ? n.value : 'children' in n ? plainText(n.children as MdNode[]) : ''))
    .join('');
}

/** Visible stand-in for content that cannot be converted, so nothing disappears silently. */
export function placeholder(label: string): Md.Emphasis {
  return { type: 'emphasis', children: [text(`[${label}]`)] };
}

/**
 * Confluence panel types to GitHub alerts. GitHub has five alert kinds, Confluence seven panel
 * types, so success shares TIP and custom panels (own colour and icon) fall back to NOTE.
 */
export const panelAlerts: Record<string, string> = {
  info: 'NOTE',
  note: 'IMPORTANT',
  tip: 'TIP',
  success: 'TIP',
  warning: 'WARNING',
  error: 'CAUTION',
  custom: 'NOTE',
};

export function alert(panelType: string, children: Flow[]): Md.Blockquote {
  const kind = own(panelAlerts, panelType) ?? 'NOTE';
  const marker = withData(html(`[!${kind}]`), { alert: true });
  return withData<Md.Blockquote>(
    { type: 'blockquote', children: [marker, ...children] },
    { hName: 'div', hProperties: { class: `panel panel-${own(panelAlerts, panelType) ? panelType : 'info'}` } },
  );
}

export function details(title: string, children: Flow[]): Flow[] {
  return [html(`<details>\n<summary>${escapeHtml(title)}</summary>`), ...children, html('</details>')];
}


/**
 * A code language as a fence's info string can hold it: editors paste whole fence lines
 * ("```bash") and info strings end at whitespace, so fence characters and anything after a space go.
 */
export function fenceLanguage(lang: string | undefined): string | null {
  const word = (lang ?? '').replace(/[`~]/g, '').trim().split(/\s/)[0] ?? '';
  return word && word.toLowerCase() !== 'none' ? word : null;
}
