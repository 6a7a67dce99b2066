/**
 * Confluence storage (XHTML) as the export writes it: one line per top-level block instead of
 * the one line Confluence stores (issue 23 part 10). Only a newline is ever added, and only
 * between two top-level elements, where XHTML whitespace carries no meaning; CDATA sections
 * (code macro bodies), comments and everything inside an element are left exactly as they are,
 * so removing the added newlines gives back the stored body byte for byte.
 */
export function formatStorage(xhtml: string): string {
  let out = '';
  let depth = 0;
  let i = 0;
  while (i < xhtml.length) {
    const lt = xhtml.indexOf('<', i);
    if (lt === -1) {
      out += xhtml.slice(i);
      break;
    }
    out += xhtml.slice(i, lt);
    const end = tagEnd(xhtml, lt);
    const tag = xhtml.slice(lt, end);
    out += tag;
    i = end;
    const special = tag.startsWith('<!') || tag.startsWith('<?');
    if (!special && tag.startsWith('</')) depth = Math.max(0, depth - 1);
    else if (!special && !tag.endsWith('/>')) depth += 1;
    // A top-level element (or comment) just ended and another starts right after it: break the line there.
    if (depth === 0 && xhtml[i] === '<' && !xhtml.startsWith('</', i)) out += '\n';
  }
  return out;
}

/** The index just after the tag, comment or CDATA section that starts at `lt`. */
function tagEnd(s: string, lt: number): number {
  const closeOf = (marker: string): number => {
    const at = s.indexOf(marker, lt);
    return at === -1 ? s.length : at + marker.length;
  };
  if (s.startsWith('<![CDATA[', lt)) return closeOf(']]>');
  if (s.startsWith('<!--', lt)) return closeOf('-->');
  // Attribute values may hold '>': skip quoted runs.
  let quote: string | undefined;
  for (let j = lt + 1; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return j + 1;
  }
  return s.length;
}
