import type * as Md from 'mdast';
import type { MarkHandler, MarkHandlers, Phrasing, State } from './state';
import { withData } from './state';
import type { AdfMark } from './types';
import { attrString } from './types';
import type { LinkRewriter } from '../links';

/**
 * Marks are applied innermost first in this order, whatever order ADF lists them in, so that
 * adjacent text nodes sharing an outer mark (a link, bold) merge into one wrapper.
 */
const order = ['code', 'subsup', 'underline', 'textColor', 'backgroundColor', 'strike', 'em', 'strong', 'link', 'annotation'];

/** Unknown marks rank first (-1): they only report. */
function rank(mark: AdfMark): number {
  return order.indexOf(mark.type);
}

function byRank(a: AdfMark, b: AdfMark): number {
  return rank(a) - rank(b);
}

export function sortMarks(marks: readonly AdfMark[]): readonly AdfMark[] {
  // Most text has no mark or one: nothing to sort, no copy (this runs for every text node).
  if (marks.length < 2) return marks.length === 1 && !isMark(marks[0]) ? [] : marks;
  return marks.filter(isMark).sort(byRank);
}

/** Malformed marks (null, no string type) carry nothing a reader sees: they are ignored. */
function isMark(mark: unknown): mark is AdfMark {
  return typeof mark === 'object' && mark !== null && typeof (mark as { type?: unknown }).type === 'string';
}

function plain(children: Phrasing[]): string {
  return children.map((c) => ('value' in c ? c.value : 'children' in c ? plain(c.children as Phrasing[]) : '')).join('');
}

const tag = (name: string): MarkHandler => (_state, _mark, children) => [
  withData<Md.Emphasis>({ type: 'emphasis', children }, { hName: name }),
];

export const markHandlers: MarkHandlers = {
  strong: (_s, _m, children) => [{ type: 'strong', children }],
  em: (_s, _m, children) => [{ type: 'emphasis', children }],
  strike: (_s, _m, children) => [{ type: 'delete', children }],
  code: (_s, _m, children) => [{ type: 'inlineCode', value: plain(children) }],
  link(state, mark, children) {
    const href = attrString(mark, 'href');
    if (!href) return children;
    const url = state.href(href);
    if (url === undefined) return children;
    const title = attrString(mark, 'title');
    return [{ type: 'link', url, title: title || null, children: url === href ? children : urlTextToTitle(state, href, children) }];
  },
  // GitHub renders <ins> and <sub>/<sup>, so these are exact there; the HTML export uses the tags too.
  underline: tag('ins'),
  subsup: (state, mark, children) => tag(attrString(mark, 'type') === 'sub' ? 'sub' : 'sup')(state, mark, children, { type: 'text' }),
  textColor: dropped('text colour'),
  backgroundColor: dropped('highlight colour'),
  // Annotations are turned into footnote references by State.inlines; the mark itself adds nothing.
  annotation: (_s, _m, children) => children,
};

/**
 * A link to an exported page whose text is its old Confluence URL (pasted, as people do) shows the
 * page's title instead: the URL is what the export replaced (issue 23). Other text stays.
 */
export function urlTextToTitle(state: State, href: string, children: Phrasing[]): Phrasing[] {
  const text = children.length === 1 && children[0]?.type === 'text' ? children[0].value.trim() : undefined;
  if (!text || !/^https?:\/\//i.test(text)) return children;
  const same = (a: string, b: string): boolean => {
    const norm = (u: string): string => { try { return decodeURI(u).replace(/\/$/, ''); } catch { return u.replace(/\/$/, ''); } };
    return norm(a) === norm(b);
  };
  if (!same(text, href)) return children;
  const rewriter: LinkRewriter | undefined = state.options.linkRewrite;
  const title = rewriter?.titleOf?.(href);
  return title ? [{ type: 'text', value: title }] : children;
}

function dropped(what: string): MarkHandler {
  return (state: State, mark, children) => {
    const colour = attrString(mark, 'color');
    // Both Markdown and the HTML export (the same tree) drop it: said for either.
    state.report('dropped-mark', mark.type, `The ${what}${colour ? ` (${colour})` : ''} is not kept; the text is kept without it.`);
    return children;
  };
}

export const unknownMark: MarkHandler = (state, mark, children) => {
  state.report('unsupported-mark', mark.type, `Unknown mark "${mark.type}"; the text is kept without it.`);
  return children;
};
