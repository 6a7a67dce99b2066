import { stringify } from 'yaml';

export interface PageMeta {
  id: string;
  title: string;
  spaceKey?: string;
  version?: number;
  author?: string;
  created?: string;
  updated?: string;
  labels?: string[];
  url?: string;
}

/**
 * The one key page properties go under (`confluence: { properties: {…} }`). Front matter is read
 * by the target tool as its options (Docusaurus `custom_edit_url`, `draft`, `slug`; MkDocs
 * `template`; Obsidian `tags`, `aliases`): a page property must never be able to set one, so only
 * the page's own fields and a preset's own fields are top-level keys, a fixed list.
 */
export const PROPERTIES_KEY = 'confluence';

/**
 * YAML front matter (`---` … `---`). The `yaml` library quotes whatever needs it: titles with
 * colons, leading `#`/`-`/quotes, words YAML would read as booleans or numbers, newlines. Writing
 * for YAML 1.1 also quotes `yes`/`no`/`on`/dates, which 1.1 parsers (Jekyll, PyYAML) would convert.
 * `shown` rewrites the fields a target's theme prints into its pages (MkDocs Material: `title`,
 * `author`, `tags`, unescaped), so they hold no markup. `tag` writes a label as the target's tag
 * (absent: no `tags` key).
 */
export function frontMatter(
  meta: PageMeta,
  extra: Record<string, unknown> = {},
  properties?: Record<string, unknown>,
  shown: (text: string) => string = (t) => t,
  tag?: (label: string) => string | undefined,
): string {
  const data: Record<string, unknown> = { id: String(meta.id), title: shown(meta.title) };
  if (meta.spaceKey !== undefined) data.space = meta.spaceKey;
  if (meta.version !== undefined) data.version = meta.version;
  if (meta.author !== undefined) data.author = shown(meta.author);
  if (meta.created !== undefined) data.created = meta.created;
  if (meta.updated !== undefined) data.updated = meta.updated;
  if (meta.labels !== undefined && meta.labels.length > 0) {
    data.labels = [...meta.labels];
    // `tags` is the target's own key (Obsidian, MkDocs Material's tags plugin, Docusaurus): labels
    // in its syntax, and printed by its theme as `shown` says.
    const tags = tag ? [...new Set(meta.labels.map(tag).filter((t): t is string => !!t))].map(shown) : [];
    if (tags.length > 0) data.tags = tags;
  }
  if (meta.url !== undefined) data.url = meta.url;
  // Extra fields (page properties, preset fields) never replace the page's own.
  for (const [k, v] of Object.entries(extra)) if (!Object.hasOwn(data, k) && v !== undefined) data[k] = v;
  if (properties && Object.keys(properties).length > 0) data[PROPERTIES_KEY] = { properties: { ...properties } };
  return `---\n${stringify(data, { lineWidth: 0, version: '1.1' })}---\n`;
}
