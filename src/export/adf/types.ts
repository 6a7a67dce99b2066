/**
 * Atlassian Document Format, typed loosely on purpose: Confluence adds node types and attributes
 * over time, and the converter must keep going (and report) when it meets one it does not know.
 */
export type AdfAttrs = Record<string, unknown>;

export interface AdfMark {
  type: string;
  attrs?: AdfAttrs;
}

export interface AdfNode {
  type: string;
  attrs?: AdfAttrs;
  content?: AdfNode[];
  marks?: AdfMark[];
  text?: string;
}

export interface AdfDoc extends AdfNode {
  type: 'doc';
  version?: number;
  content: AdfNode[];
}

/** Thrown when the input is not an ADF document at all (as opposed to a document with odd nodes). */
export class AdfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdfError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the outer shape only (`type: 'doc'`, `content` an array of objects with a string `type`).
 * Inner oddities are the handlers' business: they degrade and report instead of throwing.
 */
export function assertAdfDoc(value: unknown): asserts value is AdfDoc {
  if (!isRecord(value)) throw new AdfError('Not an ADF document: expected a JSON object.');
  if (value.type !== 'doc') {
    throw new AdfError(`Not an ADF document: expected type "doc", got ${JSON.stringify(value.type ?? null)}.`);
  }
  const content = value.content ?? [];
  if (!Array.isArray(content)) throw new AdfError('Not an ADF document: "content" must be an array.');
  content.forEach((child, i) => {
    if (!isRecord(child) || typeof child.type !== 'string') {
      throw new AdfError(`Not an ADF document: content[${i}] has no string "type".`);
    }
  });
}

/** Reads `attrs[key]` as a string, or undefined. */
export function attrString(node: { attrs?: AdfAttrs }, key: string): string | undefined {
  const v = node.attrs?.[key];
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** Reads `attrs[key]` as a finite number, or undefined. */
export function attrNumber(node: { attrs?: AdfAttrs }, key: string): number | undefined {
  const v = node.attrs?.[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** All text inside a node (text, code, mention/emoji fallbacks), for placeholders and checks. */
export function adfText(node: AdfNode): string {
  if (typeof node.text === 'string') return node.text;
  const own = attrString(node, 'text') ?? '';
  const inner = (node.content ?? []).map(adfText).join(node.content?.some((c) => c.content) ? ' ' : '');
  return own && inner ? `${own} ${inner}` : own || inner;
}
