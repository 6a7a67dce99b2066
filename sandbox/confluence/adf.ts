// Minimal ADF (Atlassian Document Format) types and builders used to write seed and generated
// pages. Builders keep the seed readable and guarantee the node shapes real Confluence emits.

export interface AdfMark {
  type: string;
  attrs?: Record<string, unknown>;
}
export interface AdfNode {
  type: string;
  attrs?: Record<string, unknown>;
  content?: AdfNode[];
  marks?: AdfMark[];
  text?: string;
}
export interface AdfDoc {
  type: 'doc';
  version: 1;
  content: AdfNode[];
}

type Inline = AdfNode | string;
const inl = (xs: Inline[]): AdfNode[] => xs.map((x) => (typeof x === 'string' ? text(x) : x));

export const doc = (...content: AdfNode[]): AdfDoc => ({ type: 'doc', version: 1, content });
export const text = (t: string, ...marks: AdfMark[]): AdfNode => (marks.length ? { type: 'text', text: t, marks } : { type: 'text', text: t });
export const p = (...xs: Inline[]): AdfNode => ({ type: 'paragraph', content: inl(xs) });
export const h = (level: number, ...xs: Inline[]): AdfNode => ({ type: 'heading', attrs: { level }, content: inl(xs) });

export const strong: AdfMark = { type: 'strong' };
export const em: AdfMark = { type: 'em' };
export const strike: AdfMark = { type: 'strike' };
export const code: AdfMark = { type: 'code' };
export const underline: AdfMark = { type: 'underline' };
export const sub: AdfMark = { type: 'subsup', attrs: { type: 'sub' } };
export const sup: AdfMark = { type: 'subsup', attrs: { type: 'sup' } };
export const color = (c: string): AdfMark => ({ type: 'textColor', attrs: { color: c } });
export const link = (href: string): AdfMark => ({ type: 'link', attrs: { href } });
export const annotation = (id: string): AdfMark => ({ type: 'annotation', attrs: { annotationType: 'inlineComment', id } });

const item = (x: AdfNode | Inline[]): AdfNode =>
  ({ type: 'listItem', content: Array.isArray(x) ? [p(...x)] : [x] });
export const li = (...blocks: AdfNode[]): AdfNode => ({ type: 'listItem', content: blocks });
export const ul = (...items: (AdfNode | Inline[])[]): AdfNode =>
  ({ type: 'bulletList', content: items.map((x) => (!Array.isArray(x) && x.type === 'listItem' ? x : item(x))) });
export const ol = (start: number, ...items: (AdfNode | Inline[])[]): AdfNode =>
  ({ type: 'orderedList', attrs: { order: start }, content: items.map((x) => (!Array.isArray(x) && x.type === 'listItem' ? x : item(x))) });

export const taskList = (localId: string, ...tasks: { id: string; done: boolean; text: Inline[] }[]): AdfNode => ({
  type: 'taskList', attrs: { localId },
  content: tasks.map((t) => ({ type: 'taskItem', attrs: { localId: t.id, state: t.done ? 'DONE' : 'TODO' }, content: inl(t.text) })),
});
export const decisionList = (localId: string, ...items: { id: string; text: Inline[] }[]): AdfNode => ({
  type: 'decisionList', attrs: { localId },
  content: items.map((d) => ({ type: 'decisionItem', attrs: { localId: d.id, state: 'DECIDED' }, content: inl(d.text) })),
});
export const codeBlock = (language: string | null, source: string): AdfNode =>
  ({ type: 'codeBlock', attrs: language ? { language } : {}, content: source ? [text(source)] : [] });
export const quote = (...blocks: AdfNode[]): AdfNode => ({ type: 'blockquote', content: blocks });
export const rule = (): AdfNode => ({ type: 'rule' });
export const br = (): AdfNode => ({ type: 'hardBreak' });
export type PanelType = 'info' | 'note' | 'warning' | 'tip' | 'success' | 'error';
export const panel = (panelType: PanelType, ...blocks: AdfNode[]): AdfNode => ({ type: 'panel', attrs: { panelType }, content: blocks });
export const expand = (title: string, ...blocks: AdfNode[]): AdfNode => ({ type: 'expand', attrs: { title }, content: blocks });
export const nestedExpand = (title: string, ...blocks: AdfNode[]): AdfNode => ({ type: 'nestedExpand', attrs: { title }, content: blocks });

export interface CellSpec { text?: Inline[]; blocks?: AdfNode[]; colspan?: number; rowspan?: number; header?: boolean }
const cell = (c: CellSpec | string, header: boolean): AdfNode => {
  const spec: CellSpec = typeof c === 'string' ? { text: [c] } : c;
  const attrs: Record<string, unknown> = {};
  if (spec.colspan && spec.colspan > 1) attrs['colspan'] = spec.colspan;
  if (spec.rowspan && spec.rowspan > 1) attrs['rowspan'] = spec.rowspan;
  return {
    type: spec.header ?? header ? 'tableHeader' : 'tableCell', attrs,
    content: spec.blocks ?? [p(...(spec.text ?? []))],
  };
};
/** A table whose first row is a header row. */
export const table = (header: (CellSpec | string)[], ...rows: (CellSpec | string)[][]): AdfNode => ({
  type: 'table', attrs: { isNumberColumnEnabled: false, layout: 'default' },
  content: [header.map((c) => cell(c, true)), ...rows.map((r) => r.map((c) => cell(c, false)))]
    .map((cells) => ({ type: 'tableRow', content: cells })),
});

export const status = (t: string, c: 'neutral' | 'purple' | 'blue' | 'red' | 'yellow' | 'green', localId: string): AdfNode =>
  ({ type: 'status', attrs: { text: t, color: c, localId } });
export const mention = (accountId: string, displayName: string): AdfNode =>
  ({ type: 'mention', attrs: { id: accountId, text: `@${displayName}`, accessLevel: '' } });
export const emoji = (shortName: string, id: string, fallback: string): AdfNode =>
  ({ type: 'emoji', attrs: { shortName, id, text: fallback } });
export const date = (isoDay: string): AdfNode => ({ type: 'date', attrs: { timestamp: String(Date.parse(`${isoDay}T00:00:00.000Z`)) } });
export const inlineCard = (url: string): AdfNode => ({ type: 'inlineCard', attrs: { url } });
export const blockCard = (url: string): AdfNode => ({ type: 'blockCard', attrs: { url } });

export interface MediaRef { fileId: string; pageId: string; filename: string; width?: number; height?: number }
const media = (m: MediaRef): AdfNode => ({
  type: 'media',
  attrs: { id: m.fileId, type: 'file', collection: `contentId-${m.pageId}`, alt: m.filename, ...(m.width ? { width: m.width, height: m.height } : {}) },
});
export const mediaSingle = (m: MediaRef): AdfNode => ({ type: 'mediaSingle', attrs: { layout: 'center' }, content: [media(m)] });
export const mediaGroup = (...ms: MediaRef[]): AdfNode => ({ type: 'mediaGroup', content: ms.map(media) });

export const layout = (...columns: { width: number; blocks: AdfNode[] }[]): AdfNode => ({
  type: 'layoutSection',
  content: columns.map((c) => ({ type: 'layoutColumn', attrs: { width: c.width }, content: c.blocks })),
});

/** A Confluence macro as ADF shows it: an `extension` node whose params are `macroParams`. */
export const macro = (key: string, params: Record<string, string>, localId: string): AdfNode => ({
  type: 'extension',
  attrs: {
    extensionType: 'com.atlassian.confluence.macro.core', extensionKey: key,
    parameters: {
      macroParams: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, { value: v }])),
      macroMetadata: { macroId: { value: localId }, schemaVersion: { value: '1' }, title: key },
    },
    layout: 'default', localId,
  },
});

/** A bodied macro (`bodiedExtension`): its body is user content, e.g. the `details` table. */
export const bodiedMacro = (key: string, params: Record<string, string>, localId: string, ...blocks: AdfNode[]): AdfNode => {
  const m = macro(key, params, localId);
  return { ...m, type: 'bodiedExtension', content: blocks };
};

/** Walks every node (depth first), e.g. to collect annotation ids or headings. */
export function walk(node: AdfNode | AdfDoc, visit: (n: AdfNode) => void): void {
  for (const child of node.content ?? []) {
    visit(child);
    walk(child, visit);
  }
}

/** Plain text of a node (used for titles of headings, excerpts and search). */
export function plainText(node: AdfNode | AdfDoc): string {
  if ('text' in node && typeof node.text === 'string') return node.text;
  return (node.content ?? []).map(plainText).join(node.type === 'doc' ? '\n' : '');
}
