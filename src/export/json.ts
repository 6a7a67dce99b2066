import type { PageMeta } from './frontmatter';
import type { ReportEntry } from './report';

export interface JsonBundleInput {
  meta: PageMeta;
  adf: unknown;
  comments?: unknown;
  report: ReportEntry[];
  /** Confluence storage format (XHTML), when it was fetched too. */
  storage?: string;
}

const metaKeys: Array<keyof PageMeta> = ['id', 'title', 'spaceKey', 'version', 'author', 'created', 'updated', 'labels', 'url'];
const entryKeys: Array<keyof ReportEntry> = ['kind', 'what', 'detail', 'pageId', 'path'];

function pick<T extends object>(value: T, keys: Array<keyof T>): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) if (value[k] !== undefined) out[k] = value[k];
  return out;
}

/**
 * The machine-readable export: metadata, fidelity report, comments, raw ADF (and storage).
 * Keys come out in a fixed order so that two exports of the same page diff cleanly.
 */
export function toJsonBundle(input: JsonBundleInput): string {
  const bundle: Record<string, unknown> = {
    format: 'content-toolkit/page',
    version: 1,
    meta: pick(input.meta, metaKeys),
    report: input.report.map((e) => pick(e, entryKeys)),
  };
  if (input.comments !== undefined) bundle.comments = input.comments;
  bundle.adf = input.adf;
  if (input.storage !== undefined) bundle.storage = input.storage;
  return `${JSON.stringify(bundle, null, 2)}\n`;
}
