/**
 * The fidelity report: every node, mark or macro that an export dropped or approximated, and every
 * page or attachment it skipped. Plain JSON-serializable data so it can travel in envelopes, zips
 * and job state.
 */
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
  | 'structure-missing';

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
    if (found) found.count += 1;
    else groups.set(key, { kind: e.kind, what: e.what, count: 1, detail: e.detail });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind) || a.what.localeCompare(b.what));
}
