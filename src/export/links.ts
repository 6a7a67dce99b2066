/**
 * Links between exported pages: a Confluence page URL inside an exported page becomes a relative
 * path to that page's file in the bundle, so the export browses offline. Anything else is kept.
 */
import { anchorMarker, attachmentMarker } from './refs';
import { relativeHref } from './relative-href';

// Kept here for its importers; it lives apart so ./refs can use it without importing this module.
export { relativeHref };

/** The URL of a link that points at this site (relative, or absolute on `siteUrl`'s host). */
function onSite(href: string, siteUrl?: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(href, 'relative:/');
  } catch {
    return undefined;
  }
  if (url.protocol === 'relative:') return url;
  if (!siteUrl) return undefined;
  try {
    return url.host.toLowerCase() === new URL(siteUrl).host.toLowerCase() ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The page id a Confluence link points to, or undefined. Understands `/wiki/spaces/KEY/pages/ID/…`,
 * `/wiki/pages/viewpage.action?pageId=ID` and `/wiki/pages/ID`. Absolute links count only when they
 * point at this site (`siteUrl`), so a link to another Confluence site is never rewritten.
 */
export function pageIdFromHref(href: string, siteUrl?: string): string | undefined {
  const url = onSite(href, siteUrl);
  if (!url) return undefined;
  const path = url.pathname;
  const spaces = /^\/wiki\/spaces\/[^/]+\/pages\/(\d+)(?:\/|$)/.exec(path);
  if (spaces) return spaces[1];
  const bare = /^\/wiki\/pages\/(\d+)(?:\/|$)/.exec(path);
  if (bare) return bare[1];
  if (/^\/wiki\/pages\/viewpage\.action$/.test(path)) {
    const id = url.searchParams.get('pageId');
    if (id && /^\d+$/.test(id)) return id;
  }
  return undefined;
}

/**
 * The page and file name a Confluence attachment link points to: `/wiki/download/attachments/ID/NAME`
 * (and `thumbnails`), or a page link previewing a file, `…/pages/ID/…?preview=/ID/ATT/NAME`.
 */
export function attachmentFromHref(href: string, siteUrl?: string): { pageId: string; name: string } | undefined {
  const url = onSite(href, siteUrl);
  if (!url) return undefined;
  const download = /^\/wiki\/download\/(?:attachments|thumbnails)\/(\d+)\/([^/]+)$/.exec(url.pathname);
  const preview = /^\/(\d+)\/[^/]*\/([^/]+)$/.exec(url.searchParams.get('preview') ?? '');
  const found = download ?? preview;
  if (!found) return undefined;
  try {
    return { pageId: found[1] ?? '', name: decodeURIComponent(found[2] ?? '') };
  } catch {
    return undefined;
  }
}

export interface LinkRewriter {
  (href: string): string | undefined;
  /**
   * The title of the exported page `href` points to (undefined when it is not exported): a link whose
   * text is its own Confluence URL is shown with it, since the URL no longer leads anywhere useful.
   */
  titleOf?: (href: string) => string | undefined;
}

/**
 * A rewriter for one page: `fileOf(id)` gives the bundle path of an exported page (undefined when
 * the page is not in the export, so the link stays absolute). `onLink` records the link graph.
 * With `self` (the page's id), links to headings and, with `attachments`, to exported pages' files
 * become markers (./refs.ts) that are replaced once the target's anchors and files are known.
 */
export function createLinkRewriter(o: {
  from: string;
  fileOf: (pageId: string) => string | undefined;
  siteUrl?: string;
  onLink?: (pageId: string) => void;
  self?: string;
  attachments?: boolean;
  /** Titles of exported pages, by id. */
  titleOf?: (pageId: string) => string | undefined;
}): LinkRewriter {
  const rewrite: LinkRewriter = (href) => {
    if (o.self !== undefined && href.startsWith('#')) return href.length > 1 ? `#${anchorMarker(o.self, href.slice(1))}` : undefined;
    if (o.self !== undefined && o.attachments) {
      const file = attachmentFromHref(href, o.siteUrl);
      if (file && o.fileOf(file.pageId)) return attachmentMarker(file.pageId, file.name);
    }
    const id = pageIdFromHref(href, o.siteUrl);
    if (!id) return undefined;
    const target = o.fileOf(id);
    if (!target) return undefined;
    o.onLink?.(id);
    const hash = href.indexOf('#');
    if (o.self !== undefined && hash >= 0 && hash < href.length - 1) return `${id === o.self ? '' : relativeHref(o.from, target)}#${anchorMarker(id, href.slice(hash + 1))}`;
    return relativeHref(o.from, target) + (hash >= 0 ? href.slice(hash) : '');
  };
  const titleOf = o.titleOf;
  if (titleOf) {
    rewrite.titleOf = (href) => {
      const id = pageIdFromHref(href, o.siteUrl);
      return id && o.fileOf(id) ? titleOf(id) : undefined;
    };
  }
  return rewrite;
}
