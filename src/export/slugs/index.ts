/**
 * Heading anchors as each target tool makes them. A link to a heading only works when it names
 * the id the tool that renders the page gives that heading, and the tools disagree:
 * - GitHub (GFM preset) and Docusaurus: the `github-slugger` package (the rules GitHub uses; `@docusaurus/utils` createSlugger wraps it). Docusaurus also takes
 *   an explicit `## Heading {#id}` (https://docusaurus.io/docs/markdown-features/toc#heading-ids),
 *   which `explicitId` reads the way @docusaurus/mdx-loader's remark `headings` plugin does (3.x:
 *   the explicit id wins and is not counted by the slugger).
 * - MkDocs: Python-Markdown's `toc` extension, which MkDocs always enables, with its default
 *   `slugify` and `unique` (https://python-markdown.github.io/extensions/toc/, markdown/extensions/
 *   toc.py). Our mkdocs.yml sets no `toc: slugify`, so mkdocs-material keeps that default. Checked
 *   against Python-Markdown 3.4.1 (Debian's, under mkdocs 1.4.2) for U+0000–U+2FFF: identical.
 * - Obsidian links to a heading by its text, `[[Note#Heading]]`, and to a repeated heading through
 *   the headings above it, `[[Note#Parent#Heading]]` (https://help.obsidian.md/links, "Link to a
 *   heading in a note").
 */
import GithubSlugger from 'github-slugger';

export type SlugRules = 'github' | 'docusaurus' | 'mkdocs' | 'obsidian';

/** Gives each heading of one document, in order, the anchor its target tool gives it. */
export interface Slugger {
  slug(text: string, depth: number): string;
}

/**
 * Python-Markdown `toc.slugify(value, '-')` (unicode=False, the default): NFKD, drop what is not
 * ASCII, drop what is not a word character, space or `-`, trim, lower case, runs of `-` and
 * whitespace to one `-`.
 */
export function mkdocsSlug(text: string): string {
  const ascii = text.normalize('NFKD').replace(/[^\x00-\x7f]/g, '');
  // Python's `\s` (str.isspace) also takes U+001C–U+001F, which JavaScript's does not.
  return ascii.replace(/[^\w\s\x1c-\x1f-]/g, '').replace(/^[\s\x1c-\x1f]+|[\s\x1c-\x1f]+$/g, '').toLowerCase().replace(/[-\s\x1c-\x1f]+/g, '-');
}

const IDCOUNT = /^(.*)_([0-9]+)$/;

/** Python-Markdown `toc.unique`: an empty or taken id gets `_1`, then `_2` … */
function mkdocsUnique(id: string, ids: Set<string>): string {
  let out = id;
  while (ids.has(out) || out === '') {
    const m = IDCOUNT.exec(out);
    out = m ? `${m[1]}_${Number(m[2]) + 1}` : `${out}_1`;
  }
  ids.add(out);
  return out;
}

/** The text of a heading as an Obsidian link names it: characters a link cannot hold become spaces. */
export function obsidianHeading(text: string): string {
  return text.replace(/[[\]|#^]/g, ' ').replace(/\s+/g, ' ').trim();
}

export function createSlugger(rules: SlugRules): Slugger {
  if (rules === 'mkdocs') {
    const ids = new Set<string>();
    return { slug: (text) => mkdocsUnique(mkdocsSlug(text), ids) };
  }
  if (rules === 'obsidian') {
    const seen = new Set<string>();
    const above: Array<{ depth: number; name: string }> = [];
    return {
      slug(text, depth) {
        const name = obsidianHeading(text);
        while (above.length > 0 && (above[above.length - 1]?.depth ?? 0) >= depth) above.pop();
        // Obsidian finds the first heading of a name; a later one needs the headings above it.
        const ref = seen.has(name) ? [...above.map((a) => a.name), name].join('#') : name;
        seen.add(name);
        above.push({ depth, name });
        return ref;
      },
    };
  }
  const slugger = new GithubSlugger();
  if (rules === 'docusaurus') return { slug: (text) => explicitId(text).id ?? slugger.slug(text) };
  return { slug: (text) => slugger.slug(text) };
}

/**
 * Docusaurus's explicit heading id: `Heading {#id}` at the end of the heading text
 * (@docusaurus/utils parseMarkdownHeadingId, 'classic' syntax; the id is trimmed).
 */
export function explicitId(text: string): { text: string; id?: string } {
  const m = /\s*\{#((?:.(?!\{#|\}))*.)\}$/.exec(text);
  const id = m?.[1]?.trim();
  return m && id ? { text: text.slice(0, m.index), id } : { text };
}
