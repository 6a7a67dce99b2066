/**
 * The fidelity report: every node, mark or macro that an export dropped or approximated, and every
 * page or attachment it skipped. Plain JSON-serializable data so it can travel in envelopes, zips
 * and job state.
 */
import { REPORT_DETAILS } from '../shared/export';
export type ReportKind =
  | 'unsupported-node'
  | 'unsupported-mark'
  | 'unsupported-macro'
  | 'approximated'
  | 'dropped-mark'
  | 'page-skipped'
  | 'attachment-missing'
  | 'comment-skipped'
  /** Content from elsewhere left out of a file attached to a page: not every viewer may read it. */
  | 'withheld'
  /** Content nested deeper than the converter's bound, kept as plain text. */
  | 'flattened'
  /** Source text the independent verifier did not find in the output. */
  | 'content-missing'
  /**
   * Structure the independent verifier did not find in the output (task checkboxes and states, list
   * depth, code languages, table cells, panels, expands) while no other entry names that loss.
   */
  | 'structure-missing'
  /** Not a loss: what the export did (an incremental export's counts, or why it ran in full). */
  | 'note';

export interface ReportEntry {
  kind: ReportKind;
  /** Node, mark or macro type (or "page", "attachment"). */
  what: string;
  /** Plain language, for people. */
  detail: string;
  pageId?: string;
  /** Where in the ADF, e.g. `doc/table[2]/tableRow[1]` (indexes are positions in the parent's content). */
  path?: string;
}

export interface ReportSummary {
  kind: ReportKind;
  what: string;
  count: number;
  /** The first entry's detail, as an example. */
  detail: string;
  /** The group's distinct details, at most REPORT_DETAILS (the panel names each item). */
  details?: string[];
}

/** Adds `detail` to a group's distinct details while there is room. */
export function addDetail(details: string[], detail: string): void {
  if (details.length < REPORT_DETAILS && !details.includes(detail)) details.push(detail);
}

/** Collects entries; `toJSON` makes it safe to hand to JSON.stringify directly. */
export class Report {
  private readonly list: ReportEntry[] = [];

  add(entry: ReportEntry): void {
    this.list.push(entry);
  }

  merge(...others: Array<Report | readonly ReportEntry[]>): this {
    for (const other of others) this.list.push(...(other instanceof Report ? other.entries() : other));
    return this;
  }

  entries(): ReportEntry[] {
    return [...this.list];
  }

  toJSON(): ReportEntry[] {
    return this.entries();
  }
}

/** Groups entries by kind + what, most frequent first, for the UI. */
export function summarize(entries: readonly ReportEntry[]): ReportSummary[] {
  const groups = new Map<string, ReportSummary>();
  for (const e of entries) {
    const key = `${e.kind}\u0000${e.what}`;
    const found = groups.get(key);
    if (found) {
      found.count += 1;
      addDetail(found.details ?? (found.details = []), e.detail);
    } else groups.set(key, { kind: e.kind, what: e.what, count: 1, detail: e.detail, details: [e.detail] });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind) || a.what.localeCompare(b.what));
}

/** Entry kinds about converting a body: a format that carries the body as is (JSON) loses none of them. */
const CONVERSION_KINDS: ReadonlySet<ReportKind> = new Set<ReportKind>([
  'unsupported-node', 'unsupported-mark', 'unsupported-macro', 'approximated', 'dropped-mark', 'flattened', 'content-missing', 'attachment-missing',
]);

/**
 * The converter reports what the Markdown tree loses; each format keeps its own part of that
 * (issue 23 part 2). HTML renders the same tree but keeps what Markdown cannot: panel kinds and
 * colours and status colours (`hName`/`hProperties`, src/export/adf/build.ts `alert`, the status
 * handler; the stylesheet's `.panel-*` and `.status-*`) and merged table cells. JSON carries the
 * page's ADF whole, so nothing of the body is lost. Storage is Confluence's own XHTML.
 */
export function reportFor(format: 'md' | 'html' | 'json' | 'storage', entries: readonly ReportEntry[]): ReportEntry[] {
  if (format === 'md') return [...entries];
  if (format === 'json' || format === 'storage') return entries.filter((e) => !CONVERSION_KINDS.has(e.kind));
  const out: ReportEntry[] = [];
  for (const e of entries) {
    if (e.kind === 'approximated' && e.what === 'status') continue;
    if (e.kind === 'approximated' && e.what === 'table' && e.detail.startsWith('A table became an HTML table')) continue;
    if (e.kind === 'approximated' && e.what === 'panel') {
      // Known kinds keep their box and colour; another kind is drawn as an info panel.
      if (!e.detail.includes('became a NOTE alert')) continue;
      out.push({ ...e, detail: e.detail.replace('became a NOTE alert', 'became an info panel') });
      continue;
    }
    out.push(e);
  }
  return out;
}
