import type * as Md from 'mdast';
import type { ReportEntry } from '../report';
import type { Flow, Handlers, MarkHandlers, StateOptions } from './state';
import { createState, own } from './state';
import { nodeHandlers, unknownNode } from './handlers';
import { markHandlers } from './marks';
import { fillToc } from './macros';
import { assertAdfDoc } from './types';

export type { AdfDoc, AdfMark, AdfNode } from './types';
export { AdfError, assertAdfDoc } from './types';
export type { ChildLink, Handler, Handlers, MarkHandler, MarkHandlers, MediaAttrs, MediaResolver, MediaTarget, State, StateOptions } from './state';
export { nodeHandlers, unknownNode } from './handlers';
export { markHandlers } from './marks';
export { macros } from './macros';
export { panelAlerts } from './build';

export interface MdastResult {
  tree: Md.Root;
  report: ReportEntry[];
  /** Heading slugs in document order (for link rewriting and tables of contents). */
  headings: Array<{ depth: number; text: string; slug: string }>;
  /** Anchor macros, with the index of the heading they follow (-1: none). */
  anchors: Array<{ name: string; heading: number }>;
}

/**
 * ADF document to mdast. Throws AdfError when `doc` is not an ADF document; anything odd inside
 * it is converted as well as possible and listed in the report.
 */
export function adfToMdast(doc: unknown, options: StateOptions = {}): MdastResult {
  assertAdfDoc(doc);
  const handlers: Handlers = Object.assign(Object.create(null) as Handlers, nodeHandlers, definedOnly(options.handlers));
  const marks: MarkHandlers = Object.assign(Object.create(null) as MarkHandlers, markHandlers, definedOnly(options.marks));
  const state = createState(handlers, marks, own(handlers, 'unknown') ?? unknownNode, options);
  const children = state.one(doc, undefined, 0).filter((n): n is Flow => n.type !== 'tableRow' && n.type !== 'tableCell' && n.type !== 'listItem');
  fillToc(state);
  return { tree: { type: 'root', children }, report: state.entries, headings: state.headings, anchors: state.anchors };
}

function definedOnly<T>(partial: Partial<Record<string, T>> | undefined): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of Object.entries(partial ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
