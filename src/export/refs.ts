/**
 * Links to headings and attachments of exported pages, resolved against the output. A Confluence
 * link names a heading its own way (`#Heading-Text`, legacy `#PageTitle-HeadingText`, `.1` for the
 * second heading of a name, or an anchor macro's name); the output must name the anchor the target
 * tool generates (../slugs). The target page may be converted in a later batch, so the converter
 * leaves a marker (`#ct-anchor-<pageId>-<fragment>`, `ct-attachment-<pageId>-<file>`, base64url,
 * which no serializer escapes) and the markers are replaced once the target's anchors and files are
 * known: the page's own at once, other pages' in the zip phase.
 */
import { attachmentBrowserUrl } from '../confluence/site';
import { relativeHref } from './relative-href';
import type { ReportEntry } from './report';
import type { SlugRules } from './slugs';

/** What a page offers to links: its headings and anchor macros, as the output names them. */
export interface PageAnchors {
  /** `confluenceKey` of the page title (legacy heading ids start with it). */
  title: string;
  /** [`confluenceKey` of a heading's text, its anchor in the output], in document order. */
  headings: Array<[string, string]>;
  /** [anchor macro name, its anchor in the output]. */
  names: Array<[string, string]>;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const unb64 = (s: string): string => Buffer.from(s, 'base64url').toString('utf8');

export const anchorMarker = (pageId: string, fragment: string): string => `ct-anchor-${pageId}-${b64(fragment)}`;
export const attachmentMarker = (pageId: string, name: string): string => `ct-attachment-${pageId}-${b64(name)}`;
export const ATTACHMENT_MARKER = /^ct-attachment-\d+-[A-Za-z0-9_-]*$/;
const MARKER = /#ct-anchor-(\d+)-([A-Za-z0-9_-]*)|ct-attachment-(\d+)-([A-Za-z0-9_-]*)/g;
export const hasMarker = (text: string): boolean => /ct-(?:anchor|attachment)-\d+-/.test(text);

/** How Confluence's heading ids compare: letters and digits only, case-folded. */
export function confluenceKey(text: string): string {
  return text.normalize('NFC').toLowerCase().replace(/[^\p{L}\p{M}\p{N}]/gu, '');
}

/** A converted page's anchors: headings (with the anchors the slugger gave them) and anchor macros. */
export function pageAnchors(title: string, headings: ReadonlyArray<{ text: string; slug: string }>, names: ReadonlyArray<{ name: string; heading: number }>, rules: SlugRules): PageAnchors {
  return {
    title: confluenceKey(title),
    headings: headings.map((h) => [confluenceKey(h.text), h.slug]),
    // Obsidian cannot link to an HTML anchor: a link to an anchor macro goes to the heading above it.
    names: names.map((n) => [n.name, rules === 'obsidian' ? headings[n.heading]?.slug ?? '' : n.name]),
  };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The output anchor a Confluence fragment points to on a page, or undefined. */
export function resolveFragment(page: PageAnchors, fragment: string): string | undefined {
  const raw = decode(fragment);
  const named = page.names.find(([n]) => n === raw) ?? page.names.find(([n]) => `${page.title}${confluenceKey(n)}` === confluenceKey(raw));
  if (named) return named[1];
  const nth = (key: string, n: number): string | undefined => {
    const found = page.headings.filter(([k]) => k === key);
    return found[n]?.[1] ?? (key.startsWith(page.title) && key.length > page.title.length ? page.headings.filter(([k]) => k === key.slice(page.title.length))[n]?.[1] : undefined);
  };
  // `Heading.2` is the third heading of that text (Confluence numbers repeats from .1); a heading
  // whose own text ends in `.2` is tried next.
  const dup = /^(.*)\.(\d+)$/.exec(raw);
  return (dup ? nth(confluenceKey(dup[1] ?? ''), Number(dup[2])) : undefined) ?? nth(confluenceKey(raw), 0);
}

export interface RefLookup {
  /** Bundle path of the page being written. */
  from: string;
  /** The anchors of an exported page; undefined when not known (yet). */
  anchors(pageId: string): PageAnchors | undefined;
  /** The bundle path of an exported attachment; undefined when not known (yet). */
  attachment(pageId: string, name: string): string | undefined;
  /** False while other pages are still to come: unknown targets keep their markers. */
  final: boolean;
  siteUrl: string;
  /**
   * The page being written, and what stands for it in a link (its file name; Obsidian: its note):
   * a link to its own top (a Docusaurus title, an anchor above every heading) has no `#` left.
   */
  self?: { id: string; link: string };
  /** Obsidian: attachment links are wikilinks, which name the file by its path in the vault. */
  vault?: boolean;
}

/**
 * Replaces the markers it can. A heading that is gone leaves the link on the page; an attachment
 * that is not in the export leaves its Confluence URL. Each such link is counted in `broken`.
 */
export function resolveRefs(text: string, o: RefLookup): { text: string; pending: boolean; broken: number } {
  let pending = false;
  let broken = 0;
  const out = text.replace(MARKER, (all, anchorPage?: string, fragment?: string, attPage?: string, file?: string) => {
    if (anchorPage !== undefined) {
      const page = o.anchors(anchorPage);
      if (!page) {
        if (!o.final) {
          pending = true;
          return all;
        }
        broken += 1;
        return '';
      }
      const anchor = resolveFragment(page, unb64(fragment ?? ''));
      // '' is the page itself (an Obsidian note, a Docusaurus title), not a miss.
      if (anchor === undefined) broken += 1;
      if (anchor) return `#${anchor}`;
      return anchorPage === o.self?.id ? o.self.link : '';
    }
    const name = unb64(file ?? '');
    const path = o.attachment(attPage ?? '', name);
    if (path) return o.vault ? path : relativeHref(o.from, path);
    if (!o.final) {
      pending = true;
      return all;
    }
    broken += 1;
    return attachmentBrowserUrl(o.siteUrl, attPage ?? '', name);
  });
  return { text: out, pending, broken };
}

/** The report entry for links `resolveRefs` could not point into the export. */
export function brokenRefs(pageId: string, count: number): ReportEntry {
  return { kind: 'approximated', what: 'link', pageId, detail: `${count} link${count === 1 ? '' : 's'} to a heading or attachment that is not in the export: a heading link goes to its page, an attachment link to Confluence.` };
}

/**
 * A one-page export's links to its own headings (`#Heading-Text`): marked while converting (the
 * headings come later in the page), then resolved against the anchors the output gives them.
 */
export function samePageLinks(pageId: string, title: string, rules: SlugRules = 'github') {
  let anchors: PageAnchors | undefined;
  return {
    linkRewrite: (href: string): string | undefined => (href.startsWith('#') && href.length > 1 ? `#${anchorMarker(pageId, href.slice(1))}` : undefined),
    onAnchors(headings: ReadonlyArray<{ text: string; slug: string }>, names: ReadonlyArray<{ name: string; heading: number }>): void {
      anchors = pageAnchors(title, headings, names, rules);
    },
    resolve: (text: string) =>
      resolveRefs(text, { from: '', anchors: (id) => (id === pageId ? anchors : undefined), attachment: () => undefined, final: false, siteUrl: '', self: { id: pageId, link: '#' } }),
  };
}
