import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InlineThread } from '../../src/export/anchors';
import type { MarkdownOptions } from '../../src/export/markdown';
import type { MediaTarget } from '../../src/export/adf';
import type { PageMeta } from '../../src/export/frontmatter';

export const fixturesDir = join(__dirname, '..', 'fixtures');

/** Optional per-case `options.json`: plain data turned into converter options. */
interface CaseOptions {
  users?: Record<string, string>;
  media?: Record<string, MediaTarget>;
  /** Attachments by file name, found through a media node's alt (as the real resolver falls back). */
  attachments?: Record<string, MediaTarget>;
  frontMatter?: PageMeta;
  children?: Array<{ title: string; href: string }>;
  links?: Record<string, string>;
  siteUrl?: string;
}

export interface Case {
  name: string;
  dir: string;
  input: unknown;
  options: MarkdownOptions;
}

export function loadCases(): Case[] {
  return readdirSync(fixturesDir)
    .filter((name) => existsSync(join(fixturesDir, name, 'input.adf.json')))
    .sort()
    .map((name) => {
      const dir = join(fixturesDir, name);
      const read = (file: string): unknown => JSON.parse(readFileSync(join(dir, file), 'utf8'));
      const raw = (existsSync(join(dir, 'options.json')) ? read('options.json') : {}) as CaseOptions;
      const options: MarkdownOptions = { pageId: 'p1' };
      if (raw.users) options.users = new Map(Object.entries(raw.users));
      if (raw.media || raw.attachments) {
        const media = new Map(Object.entries(raw.media ?? {}));
        const byName = new Map(Object.entries(raw.attachments ?? {}));
        options.media = (attrs) => (typeof attrs.id === 'string' ? media.get(attrs.id) : undefined) ?? (typeof attrs.alt === 'string' ? byName.get(attrs.alt) : undefined);
      }
      if (raw.frontMatter) options.frontMatter = raw.frontMatter;
      if (raw.siteUrl) options.siteUrl = raw.siteUrl;
      if (raw.children) {
        const children = raw.children;
        options.children = () => children;
      }
      if (raw.links) {
        const links = raw.links;
        options.linkRewrite = (href) => links[href];
      }
      if (existsSync(join(dir, 'comments.json'))) options.comments = read('comments.json') as InlineThread[];
      return { name, dir, input: read('input.adf.json'), options };
    });
}
