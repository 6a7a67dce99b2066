/**
 * Target presets of tree exports: the same ADF → mdast conversion, then small rewrites so the
 * output drops into Obsidian, MkDocs (Material) or Docusaurus unchanged. GFM is today's output.
 * Each preset is data plus a few hooks; the tree job calls them (src/jobs/tree-run.ts).
 */
import type { ExportPreset } from '../../shared/export';
import { rewriteTree, type RewriteContext } from './rewrite';
import type { SlugRules } from '../slugs';
import type { Dialect } from '../escape';
import { docusaurusSegment, obsidianSegment } from '../names';

export interface Preset {
  name: ExportPreset;
  /** Separator of normalised property keys in front matter. */
  keySep: '_' | '-';
  /** Folder all pages go under (MkDocs wants them beside, not next to, mkdocs.yml). */
  root: string;
  /** The page's file in its folder: `index.md`, or Obsidian's folder note `<Folder>/<Folder>.md`. */
  pageFile(dir: string, ext: string): string;
  /** Front-matter fields the preset adds (Docusaurus: slug, sidebar_position): the only top-level keys besides the page's own. */
  fields?(place: TreePlace): Record<string, unknown>;
  /** Whose rules heading anchors follow (../slugs): the tool that renders the output. */
  slugs: SlugRules;
  /** Whose parser reads the page text: it is escaped by that parser's rules (../escape). */
  dialect: Dialect;
  /** A folder or file name as the target can read it (Docusaurus: ../names `docusaurusSegment`). */
  segment?(name: string): string;
  /**
   * A Confluence label as the target's `tags` entry (the one more front-matter key, beside the
   * page's own `labels`, for targets that read tags); absent: no `tags`.
   */
  tag?(label: string): string | undefined;
  /** Rewrites a converted page (panels, expands, links) before it is serialized. */
  rewrite?: RewriteContext['style'];
}

/** Where a page sits in the tree, for presets that need it. */
export interface TreePlace {
  /** URL path from the tree's slugs (`/demo-home/user-guide`). */
  slug: string;
  /** 1-based position among its siblings, in tree order. */
  position: number;
}

const indexFile = (dir: string, ext: string): string => `${dir}/index.${ext}`;

export const PRESETS: Readonly<Record<ExportPreset, Preset>> = {
  gfm: { name: 'gfm', keySep: '_', root: '', pageFile: indexFile, slugs: 'github', dialect: 'gfm' },
  obsidian: {
    name: 'obsidian',
    keySep: '-',
    root: '',
    // Obsidian names a note after its file: every page called "index" would be unreadable.
    pageFile: (dir, ext) => `${dir}/${dir.slice(dir.lastIndexOf('/') + 1)}.${ext}`,
    slugs: 'obsidian',
    dialect: 'obsidian',
    tag: obsidianTag,
    rewrite: 'obsidian',
    segment: obsidianSegment,
  },
  // MkDocs Material's tags plugin reads `tags` (printed like the title: see metaText in ./tree).
  mkdocs: { name: 'mkdocs', keySep: '_', root: 'docs', pageFile: indexFile, slugs: 'mkdocs', dialect: 'python-markdown', rewrite: 'mkdocs', tag: (l) => l },
  docusaurus: {
    name: 'docusaurus',
    keySep: '_',
    root: '',
    pageFile: indexFile,
    fields: (place) => ({ slug: place.slug, sidebar_position: place.position }),
    slugs: 'docusaurus',
    dialect: 'mdx',
    // Docusaurus renders tag labels through React (escaped) and makes their URLs itself.
    tag: (l) => l,
    segment: docusaurusSegment,
    rewrite: 'docusaurus',
  },
};

/**
 * A label as an Obsidian tag: letters, digits, `_`, `-` and `/` only, not all digits (Obsidian
 * help, "Tags: Tag format"); anything else becomes `-`. A label with nothing left gives no tag.
 */
export function obsidianTag(label: string): string | undefined {
  const tag = label.normalize('NFC').replace(/[^\p{L}\p{N}_\-/]+/gu, '-').replace(/^[-/]+|[-/]+$/g, '');
  if (tag === '') return undefined;
  return /^\d+$/.test(tag) ? `_${tag}` : tag;
}

export function presetOf(name: ExportPreset | undefined): Preset {
  return PRESETS[name ?? 'gfm'] ?? PRESETS.gfm;
}

export { rewriteTree };
export type { RewriteContext };
