/**
 * Safe names for zip entries and downloads. Page titles are arbitrary user text: they may hold
 * slashes, `..`, control or bidi characters, Windows device names, or hundreds of characters.
 */

/** Windows device names, with or without an extension: `CON.txt`, `CON .txt` and `CONIN$` all open the device. */
const reserved = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$|clock\$)$/i;
/** A UTF-16 surrogate without its pair: not a character, and `encodeURIComponent` throws on it. */
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The text with every lone surrogate replaced by U+FFFD, so it can be encoded anywhere. */
export function wellFormed(value: string): string {
  return value.replace(loneSurrogate, '\uFFFD');
}
const encoder = new TextEncoder();
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Cuts to at most `maxBytes` of UTF-8 without splitting a character or an emoji sequence. */
export function truncateBytes(value: string, maxBytes: number): string {
  if (encoder.encode(value).length <= maxBytes) return value;
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(value)) {
    const size = encoder.encode(segment).length;
    if (used + size > maxBytes) break;
    out += segment;
    used += size;
  }
  return out;
}

/** One path segment from a title: no separators, no `..`, no control characters, ≤ `max` UTF-8 bytes. */
export function safeSegment(title: string, max = 80): string {
  let s = wellFormed(title)
    .normalize('NFC')
    .replace(/[\t\n\r\f\v]/g, ' ')
    // Control characters, and bidi controls that can disguise an extension (‮fdp.exe).
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    // Path separators and the other characters Windows forbids in names; `!`, which webpack reads
    // as a loader separator in any path a bundler resolves ("We shipped it!" stopped a Docusaurus
    // build, issue 21) and shells expand in double quotes.
    .replace(/[/\\:*?"<>|!]/g, '-')
    .replace(/\s+/g, ' ')
    .replace(/\.{2,}/g, '.')
    .trim()
    .replace(/^\.+/, '');
  s = truncateBytes(s, Math.max(1, max));
  // Windows drops trailing dots and spaces, which would make two names collide.
  s = s.replace(/[. ]+$/, '');
  if (s === '') return 'untitled';
  if (isDeviceName(s)) s = `_${s}`;
  return s;
}

/** Whether Windows opens a device for the name: it ignores trailing spaces and dots before the extension. */
export function isDeviceName(name: string): boolean {
  return reserved.test((name.split('.')[0] ?? '').replace(/[. ]+$/, ''));
}

/**
 * A name as a case-insensitive, normalisation-insensitive file system compares it: NFC (macOS
 * compares normalised names: "Café" typed composed and decomposed is one file), then case folded
 * (`toUpperCase` first so `ß`/`SS` and final `ς`/`σ` meet, as full case folding has them).
 */
export function nameKey(name: string): string {
  return name.normalize('NFC').toUpperCase().toLowerCase();
}

/**
 * A note or file name Obsidian can link to: a wikilink or embed ends its path at `#` (heading), `^`
 * (block), `|` (alias) or `]`, so a name holding one cannot be linked (Obsidian refuses such names
 * for new notes). Those become `-`.
 */
export function obsidianSegment(name: string): string {
  return name.replace(/[#^[\]|]/g, '-');
}

/**
 * A folder or file name Docusaurus can build. Its docs plugin skips every path under a folder whose
 * name starts with `_` (the default `exclude` globs, in @docusaurus/utils globUtils), and webpack
 * reads `!` in a request as a loader separator, `#` as a fragment and `?` as a query ("We shipped
 * it!" failed the build); `%` is URL-decoded on the way. Those become `-`; a name the dropped `_`
 * turned back into a Windows device name (`_CON` → `CON`) gets a trailing `_` instead.
 */
export function docusaurusSegment(name: string): string {
  let s = name.replace(/[!#?%]/g, '-');
  if (s.startsWith('_')) s = s.replace(/^_+/, '') || 'page';
  if (isDeviceName(s)) s = s.replace(/^[^.]*/, (stem) => `${stem}_`);
  return s;
}

function splitExt(name: string): [string, string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > 10) return [name, ''];
  return [name.slice(0, dot), name.slice(dot)];
}

/**
 * A name not yet in `taken`, adding ` (2)`, ` (3)` … before the extension. Comparison ignores case
 * and Unicode normalisation (zips are unpacked on case-insensitive, normalising file systems);
 * `taken` holds `nameKey`s and the chosen one's is added to it.
 */
export function uniqueName(taken: Set<string>, name: string): string {
  let candidate = name;
  const [stem, ext] = splitExt(name);
  for (let n = 2; taken.has(nameKey(candidate)); n += 1) candidate = `${stem} (${n})${ext}`;
  taken.add(nameKey(candidate));
  return candidate;
}

/** Suggested download name, e.g. `fileName('Q3: plan', 'md')` → `Q3- plan.md`. */
export function fileName(title: string, ext: string): string {
  const cleanExt = ext.replace(/[^a-z0-9]/gi, '').toLowerCase();
  return cleanExt ? `${safeSegment(title)}.${cleanExt}` : safeSegment(title);
}

/** The folder of a page's attachments in a zip, beside its page file. */
export const ATTACHMENTS_DIR = '_attachments';

/**
 * Where an attachment goes in a zip: `<dir>/_attachments/<its name, safe and unique in the folder>`
 * (`dir` empty: at the top). `segment` is the preset's own naming rule (Docusaurus).
 */
export function attachmentPath(taken: Set<string>, dir: string, a: { id: string; title?: string }, segment?: (name: string) => string): string {
  const name = safeSegment(a.title ?? a.id);
  return `${dir ? `${dir}/` : ''}${ATTACHMENTS_DIR}/${uniqueName(taken, segment?.(name) ?? name)}`;
}
