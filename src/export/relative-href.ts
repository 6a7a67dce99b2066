/**
 * Relative links between files of one bundle. Its own module because both ./links and ./refs need
 * it, and ./links needs ./refs: here neither imports the other for it.
 */
import { wellFormed } from './names';

/** The relative link from the file at `from` to the file at `to` (both bundle paths, `/`-separated). */
export function relativeHref(from: string, to: string): string {
  const a = from.split('/').slice(0, -1);
  const b = to.split('/');
  let common = 0;
  while (common < a.length && common < b.length - 1 && a[common] === b[common]) common++;
  const up = a.length - common;
  const parts = [...Array<string>(up).fill('..'), ...b.slice(common)];
  // Each segment is percent-encoded so spaces, parentheses and `#` survive Markdown and HTML links.
  // Paths normally come from safeSegment (well-formed already); a lone surrogate must not throw here.
  return parts.map((p) => (p === '..' ? p : encodeURIComponent(wellFormed(p)))).join('/') || encodeURIComponent(wellFormed(b[b.length - 1] ?? ''));
}
