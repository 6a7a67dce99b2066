import sanitizeHtml from 'sanitize-html';
import { convert, verified, type Fidelity, type MarkdownOptions } from './markdown';
import { escapeHtml, mdastToHtml } from './mdast-html';
import type { ReportEntry } from './report';

export interface HtmlOptions extends MarkdownOptions {
  /** Stylesheet text, inlined in the document (EXPORT_CSS from ./stylesheet for exports). */
  css: string;
  /** Document title; defaults to frontMatter.title, then "Export". */
  title?: string;
  lang?: string;
}

const headings = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
/** Schemes a link keeps as its href in HTML (sanitize-html's defaults: none can run script). */
const linkSchemes = ['http', 'https', 'mailto', 'tel', 'ftp'];
/** Schemes that can run or smuggle content: their links are dropped, not even kept as a title. */
const scriptSchemes = ['javascript', 'vbscript', 'data', 'file'];

/**
 * The allowlist every HTML export passes through. Text is escaped before this point; this is the
 * second line of defence against scripts, event handlers and `javascript:` URLs.
 */
export const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: [
    ...headings, 'p', 'br', 'hr', 'strong', 'em', 'del', 'ins', 'sub', 'sup', 'code', 'pre', 'blockquote',
    'ul', 'ol', 'li', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'div', 'span', 'details',
    'summary', 'section', 'input',
  ],
  allowedAttributes: {
    ...Object.fromEntries(headings.map((h) => [h, ['id']])),
    a: ['href', 'title', 'id', 'class'],
    img: ['src', 'alt', 'title'],
    th: ['colspan', 'rowspan'],
    td: ['colspan', 'rowspan'],
    ol: ['start'],
    li: ['id', 'class'],
    code: ['class'],
    div: ['class'],
    span: ['class', 'title'],
    section: ['class'],
    sup: ['class'],
    input: ['type', 'checked', 'disabled'],
  },
  allowedSchemes: linkSchemes,
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Only the disabled checkbox of task lists is ever wanted from <input>.
  exclusiveFilter: (frame) => frame.tag === 'input' && frame.attribs.type !== 'checkbox',
  transformTags: {
    input: (tagName, attribs) => ({ tagName, attribs: { ...attribs, disabled: '' } }),
    // A link to another scheme (Confluence pages carry tel:, sftp:, notes:, app links …) loses
    // its href here; its target stays visible as the link's title instead of vanishing.
    a: (tagName, attribs) => {
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec((attribs.href ?? '').replace(/[\u0000-\u0020\u007f]/g, ''))?.[1]?.toLowerCase();
      if (scheme === undefined || linkSchemes.includes(scheme) || scriptSchemes.includes(scheme) || attribs.title) return { tagName, attribs };
      const { href, ...rest } = attribs;
      return { tagName, attribs: { ...rest, title: href ?? '' } };
    },
  },
};

/** True when the body's first element is a level-1 heading reading exactly `title`. */
function opensWithTitle(body: string, title: string): boolean {
  const first = /^\s*<h1(?:\s[^>]*)?>([\s\S]*?)<\/h1>/.exec(body);
  return first !== null && first[1]?.trim() === escapeHtml(title).trim();
}

/** ADF → a standalone, sanitized HTML document plus the fidelity report. */
export function adfToHtml(doc: unknown, options: HtmlOptions): { html: string; report: ReportEntry[]; fidelity?: Fidelity } {
  const { tree, report } = convert(doc, options);
  const body = sanitizeHtml(mdastToHtml(tree), sanitizeOptions);
  const fidelity = verified(doc, body, options, report);
  const title = options.title ?? options.frontMatter?.title ?? 'Export';
  // A stylesheet cannot close its own <style> element.
  const css = options.css.replace(/<\/style/gi, '<\\/style');
  const html = [
    '<!doctype html>',
    `<html lang="${escapeHtml(options.lang ?? 'en')}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>\n${css}\n</style>`,
    '</head>',
    '<body>',
    '<article class="page">',
    // Pages often open with their title as a heading: shown once (issue 23 part 10).
    ...(opensWithTitle(body, title) ? [] : [`<h1 class="page-title">${escapeHtml(title)}</h1>`]),
    body,
    '</article>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
  return fidelity ? { html, report, fidelity } : { html, report };
}
