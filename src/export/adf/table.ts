import type * as Md from 'mdast';
import type { Flow, Handler, MdNode, Phrasing } from './state';
import { isPhrasing, renderData, withData } from './state';
import { attrNumber } from './types';
import { mdastToHtml } from '../mdast-html';

/** A converted cell, carried on an mdast tableCell until the table decides GFM or HTML. */
interface CellData {
  cell: { blocks: Flow[]; header: boolean; colspan: number; rowspan: number };
}

function cellOf(node: MdNode): CellData['cell'] | undefined {
  return (renderData(node) as unknown as Partial<CellData>).cell;
}

/**
 * Rows and cells only make sense inside their table: there they return placeholders carrying the
 * converted content; anywhere else (malformed ADF) their content is kept as plain blocks.
 */
export const tablePart: Handler = (state, node, parent) => {
  if (node.type === 'tableRow' && parent?.type === 'table') {
    const cells: Md.TableCell[] = [];
    const stray: MdNode[] = [];
    (node.content ?? []).forEach((child, i) => {
      for (const md of state.one(child, node, i)) (md.type === 'tableCell' ? cells : stray).push(md as Md.TableCell);
    });
    // Content that is no cell (malformed ADF, text flattened at the depth bound) gets a cell of its own.
    if (stray.length > 0) cells.push(strayCell(stray));
    return { type: 'tableRow', children: cells };
  }
  if ((node.type === 'tableCell' || node.type === 'tableHeader') && parent?.type === 'tableRow') {
    const cell: CellData['cell'] = {
      blocks: state.blocks(node),
      header: node.type === 'tableHeader',
      colspan: attrNumber(node, 'colspan') ?? 1,
      rowspan: attrNumber(node, 'rowspan') ?? 1,
    };
    return { type: 'tableCell', children: [], data: { cell } as unknown as Md.Data };
  }
  state.report('approximated', node.type, `A ${node.type} outside a table was kept as plain content.`);
  return state.blocks(node);
};

function strayCell(nodes: MdNode[]): Md.TableCell {
  const blocks: Flow[] = [];
  let run: Phrasing[] = [];
  for (const n of nodes) {
    if (isPhrasing(n)) run.push(n as Phrasing);
    else {
      if (run.length > 0) blocks.push({ type: 'paragraph', children: run });
      run = [];
      blocks.push(n as Flow);
    }
  }
  if (run.length > 0) blocks.push({ type: 'paragraph', children: run });
  const cell: CellData['cell'] = { blocks, header: false, colspan: 1, rowspan: 1 };
  return { type: 'tableCell', children: [], data: { cell } as unknown as Md.Data };
}

/** Inline content of a cell that holds at most one paragraph, or undefined if it holds more. */
function inlineOnly(blocks: Flow[]): Phrasing[] | undefined {
  if (blocks.length === 0) return [];
  const [first] = blocks;
  if (blocks.length === 1 && first?.type === 'paragraph') return first.children;
  return undefined;
}

/** Why a table cannot be a GFM table, or undefined when it can. */
function complexity(rows: Array<Array<CellData['cell']>>): string | undefined {
  const width = rows[0]?.length ?? 0;
  if (!rows[0]?.every((c) => c.header)) return 'it has no single header row';
  for (const [r, row] of rows.entries()) {
    if (row.length !== width) return 'its rows have different numbers of cells';
    for (const c of row) {
      if (c.colspan > 1 || c.rowspan > 1) return 'it has merged cells';
      if (r > 0 && c.header) return 'it has header cells outside the first row';
      if (!inlineOnly(c.blocks)) return 'its cells hold lists, code or several paragraphs';
    }
  }
  return undefined;
}

/** A hard break cannot appear in a GFM cell (it ends the row), so it becomes `<br>`. */
function cellPhrasing(nodes: Phrasing[]): Phrasing[] {
  return nodes.map((n): Phrasing => {
    if (n.type === 'break') return { type: 'html', value: '<br>' };
    if ('children' in n) {
      return { ...n, children: cellPhrasing(n.children as Phrasing[]) } as Phrasing;
    }
    return n;
  });
}

function htmlTable(rows: Array<Array<CellData['cell']>>): string {
  const lines = ['<table>'];
  for (const row of rows) {
    lines.push('<tr>');
    for (const c of row) {
      const tag = c.header ? 'th' : 'td';
      const span = `${c.colspan > 1 ? ` colspan="${c.colspan}"` : ''}${c.rowspan > 1 ? ` rowspan="${c.rowspan}"` : ''}`;
      const inline = inlineOnly(c.blocks);
      const body = mdastToHtml(inline ?? c.blocks, { compact: true });
      lines.push(`<${tag}${span}>${body}</${tag}>`);
    }
    lines.push('</tr>');
  }
  lines.push('</table>');
  // A blank line would end the HTML block in Markdown; compact mode already avoids them.
  return lines.join('\n').replace(/\n[ \t]*(?=\n)/g, '');
}

export const table: Handler = (state, node) => {
  const rows: Array<Array<CellData['cell']>> = [];
  const stray: MdNode[] = [];
  (node.content ?? []).forEach((child, i) => {
    for (const md of state.one(child, node, i)) {
      if (md.type !== 'tableRow') {
        stray.push(md);
        continue;
      }
      const cells = md.children.map(cellOf).filter((c): c is CellData['cell'] => c !== undefined);
      if (cells.length > 0) rows.push(cells);
    }
  });
  // Content that is no row (malformed ADF, text flattened at the depth bound) gets a row of its own.
  if (stray.length > 0) {
    const cell = cellOf(strayCell(stray));
    if (cell) rows.push([cell]);
  }
  if (rows.length === 0) return undefined;
  const why = complexity(rows);
  if (why) {
    state.report('approximated', 'table', `A table became an HTML table because ${why}.`);
    // GitHub strips the class of HTML in Markdown: a panel in a cell is a quote led by its label.
    if (rows.some((row) => row.some((c) => c.blocks.some((b) => b.type === 'blockquote' && renderData(b.children[0] ?? b).alert)))) {
      state.reportOnce('approximated', 'panel', 'Panels inside table cells became quotes led by their label (Note:, Warning: …); their colours are not kept.');
    }
    return withData<Md.Html>({ type: 'html', value: htmlTable(rows) }, { hName: 'table' });
  }
  return {
    type: 'table',
    align: rows[0]?.map(() => null) ?? [],
    children: rows.map((row) => ({
      type: 'tableRow',
      children: row.map((c) => ({ type: 'tableCell', children: cellPhrasing(inlineOnly(c.blocks) ?? []) })),
    })),
  };
};
