/**
 * Shaping answers for a language model: content fenced off as data, a one-line fidelity summary,
 * and Markdown cut into parts at heading boundaries so every part fits the 5 MB action limit.
 */
import { summarize, type ReportEntry } from '../export/report';

/**
 * Page text inside a code fence longer than any backtick run in it, so nothing in the page can
 * close the fence: what a page says stays quoted data, never instructions next to ours.
 */
export function fenced(text: string, lang = 'markdown'): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text.replace(/\n*$/, '\n')}${fence}`;
}

/** A title or name on one line, quoted, bounded: it is page data even outside the fence. */
export function quoted(value: string, max = 200): string {
  const one = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return JSON.stringify(one.length > max ? `${one.slice(0, max)}…` : one);
}

/** "lossless" or "3 notes: 2× approximated panel; 1× unsupported-macro jira". */
export function fidelityLine(report: readonly ReportEntry[], top = 5): string {
  if (report.length === 0) return 'Fidelity: the converter reported nothing dropped or approximated.';
  const groups = summarize(report);
  const shown = groups.slice(0, top).map((g) => `${g.count}× ${g.kind} ${g.what}`);
  const more = groups.length > top ? `; and ${groups.length - top} more kinds` : '';
  return `Fidelity: ${report.length} note${report.length === 1 ? '' : 's'}: ${shown.join('; ')}${more}.`;
}

export interface Section {
  /** Heading text (without the #s); undefined for what precedes the first heading. */
  heading?: string;
  level: number;
  text: string;
}

/** Splits Markdown before each ATX heading that is outside a code fence. Joining the texts gives the input back. */
export function sections(markdown: string): Section[] {
  const out: Section[] = [];
  let current: Section = { level: 0, text: '' };
  let fence: string | undefined;
  let frontMatter = markdown.startsWith('---\n');
  const lines = markdown.split(/(?<=\n)/);
  lines.forEach((line, i) => {
    if (frontMatter) {
      if (i > 0 && /^---\s*$/.test(line)) frontMatter = false;
    } else if (fence) {
      if (line.trimStart().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') fence = undefined;
    } else {
      const open = /^ {0,3}(`{3,}|~{3,})/.exec(line);
      const heading = /^ {0,3}(#{1,6})[ \t]+(.*?)[ \t#]*\n?$/.exec(line);
      if (open?.[1]) fence = open[1];
      else if (heading?.[1]) {
        if (current.text) out.push(current);
        current = { heading: (heading[2] ?? '').trim(), level: heading[1].length, text: '' };
      }
    }
    current.text += line;
  });
  if (current.text || out.length === 0) out.push(current);
  return out;
}

/** The section whose heading matches (exactly, then as a prefix, case-insensitive), with its subsections. */
export function sectionNamed(all: readonly Section[], name: string): Section[] | undefined {
  const want = name.trim().toLowerCase().replace(/^#+\s*/, '');
  const at = (pred: (h: string) => boolean) => all.findIndex((s) => s.heading !== undefined && pred(s.heading.toLowerCase()));
  let i = at((h) => h === want);
  if (i < 0) i = at((h) => h.startsWith(want));
  if (i < 0) i = at((h) => h.includes(want));
  const start = all[i];
  if (!start) return undefined;
  let end = i + 1;
  while (end < all.length && (all[end]?.level ?? 0) > start.level) end++;
  return all.slice(i, end);
}

export interface Part {
  text: string;
  /** Headings in this part, in order. */
  headings: string[];
}

/**
 * Packs sections into parts of at most `budget` UTF-8 bytes, breaking only between sections. A
 * section larger than a part is cut between paragraphs (blank lines outside fences), and a single
 * paragraph larger than a part at a line end; nothing is lost, every byte is in exactly one part.
 */
export function packParts(all: readonly Section[], budget: number): Part[] {
  const parts: Part[] = [];
  let cur: Part = { text: '', headings: [] };
  let size = 0;
  const flush = () => {
    if (cur.text) parts.push(cur);
    cur = { text: '', headings: [] };
    size = 0;
  };
  for (const s of all) {
    const bytes = Buffer.byteLength(s.text);
    if (size + bytes > budget) flush();
    if (bytes <= budget) {
      cur.text += s.text;
      if (s.heading !== undefined) cur.headings.push(s.heading);
      size += bytes;
      continue;
    }
    pieces(s.text, budget).forEach((piece, n) => {
      if (n > 0) flush();
      cur.text = piece;
      size = Buffer.byteLength(piece);
      if (n === 0 && s.heading !== undefined) cur.headings.push(s.heading);
      else if (s.heading !== undefined) cur.headings.push(`${s.heading} (continued)`);
    });
  }
  flush();
  return parts.length > 0 ? parts : [{ text: '', headings: [] }];
}

/** Cuts an oversized section at blank lines, else at line ends, else at a character boundary. */
function pieces(text: string, budget: number): string[] {
  const fit = (u: string): boolean => Buffer.byteLength(u) <= budget;
  return pack(text.split(/(?<=\n\n)/).flatMap((u) => (fit(u) ? [u] : u.split(/(?<=\n)/).flatMap((l) => (fit(l) ? [l] : pack([...l], budget))))), budget);
}

/** Joins consecutive units into strings of at most `budget` UTF-8 bytes (a unit over it stands alone). */
function pack(units: readonly string[], budget: number): string[] {
  const out: string[] = [];
  let cur = '';
  let size = 0;
  for (const u of units) {
    const b = Buffer.byteLength(u);
    if (size + b > budget && cur) {
      out.push(cur);
      cur = '';
      size = 0;
    }
    cur += u;
    size += b;
  }
  if (cur) out.push(cur);
  return out;
}

export function megabytes(bytes: number): string {
  return bytes >= 100_000 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1000))} kB`;
}
