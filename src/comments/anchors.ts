/**
 * Anchor health: inline comments hang on `annotation` marks in the page's ADF (the mark's `id` is
 * the comment's `inlineMarkerRef`). Comparing both sides finds threads whose highlight is gone,
 * highlights whose text was edited since the comment, and highlights no comment points to.
 */
import type { AdfNode } from '../export/adf';
import type { AnchorReport, AnchorState } from '../shared/comments';

export interface Annotation {
  markerRef: string;
  /** The text under the mark now (pieces in separate blocks joined by a space). */
  text: string;
  /** Order of first appearance in the document, from 0. */
  position: number;
}

/** Every inline-comment annotation in a document, in document order. */
export function annotationsOf(doc: AdfNode): Map<string, Annotation> {
  const found = new Map<string, { pieces: string[]; position: number; lastBlock: AdfNode | undefined }>();
  const visit = (n: AdfNode, block: AdfNode | undefined): void => {
    for (const m of n.marks ?? []) {
      const id = m.attrs?.['id'];
      const type = m.attrs?.['annotationType'];
      // Older documents omit annotationType; anything other than inline comments is not ours.
      if (m.type !== 'annotation' || typeof id !== 'string' || !id || (type !== undefined && type !== 'inlineComment')) continue;
      let entry = found.get(id);
      if (!entry) {
        entry = { pieces: [], position: found.size, lastBlock: block };
        found.set(id, entry);
      }
      const piece = inlineText(n);
      // A highlight that spans paragraphs reads as one selection with a space between blocks.
      if (entry.lastBlock !== block && entry.pieces.length > 0) entry.pieces.push(' ');
      entry.pieces.push(piece);
      entry.lastBlock = block;
    }
    const isBlock = n.content !== undefined && n.text === undefined;
    for (const c of n.content ?? []) visit(c, isBlock ? n : block);
  };
  visit(doc, undefined);
  const out = new Map<string, Annotation>();
  for (const [markerRef, e] of found) out.set(markerRef, { markerRef, text: e.pieces.join(''), position: e.position });
  return out;
}

function inlineText(n: AdfNode): string {
  if (typeof n.text === 'string') return n.text;
  const t = n.attrs?.['text'];
  return typeof t === 'string' ? t : '';
}

/** Whitespace differences (non-breaking spaces, line wraps) are not edits. */
export function sameText(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/[\s\u00a0]+/g, ' ').trim();
  return norm(a) === norm(b);
}

export interface AnchorCheck {
  state: AnchorState;
  current?: string;
  position?: number;
}

export function checkAnchor(annotations: Map<string, Annotation> | undefined, markerRef: string, selection: string): AnchorCheck {
  if (!annotations) return { state: 'unchecked' };
  const found = annotations.get(markerRef);
  if (!found) return { state: 'missing' };
  // An empty original selection cannot be compared; the highlight exists, which is what matters.
  if (selection && !sameText(found.text, selection)) return { state: 'changed', current: found.text, position: found.position };
  return { state: 'ok', position: found.position };
}

/** The page-level report: dangling and changed threads, and annotations without a thread. */
export function anchorReport(
  annotations: Map<string, Annotation> | undefined,
  threads: ReadonlyArray<{ id: string; markerRef: string; selection: string }>,
): AnchorReport {
  if (!annotations) return { checked: false, dangling: [], changed: [], orphans: [] };
  const report: AnchorReport = { checked: true, dangling: [], changed: [], orphans: [] };
  const referenced = new Set<string>();
  for (const t of threads) {
    referenced.add(t.markerRef);
    const check = checkAnchor(annotations, t.markerRef, t.selection);
    if (check.state === 'missing') report.dangling.push({ commentId: t.id, markerRef: t.markerRef, selection: t.selection });
    if (check.state === 'changed') report.changed.push({ commentId: t.id, markerRef: t.markerRef, selection: t.selection, current: check.current ?? '' });
  }
  for (const a of annotations.values()) {
    if (!referenced.has(a.markerRef)) report.orphans.push({ markerRef: a.markerRef, text: a.text });
  }
  return report;
}
