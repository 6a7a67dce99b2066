import type * as Md from 'mdast';
import { alertLabel, renderData } from './adf/state';

export interface MdastHtmlOptions {
  /**
   * For HTML embedded in Markdown (complex tables): no blank lines may appear, because a blank
   * line ends a Markdown HTML block. Newlines inside text and code become `&#10;`.
   */
  compact?: boolean;
}

type AnyNode = Md.Nodes;

export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function attrs(props: Record<string, string | number | null | undefined>): string {
  let out = '';
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === '') continue;
    out += ` ${k}="${escapeHtml(String(v))}"`;
  }
  return out;
}

/**
 * Serializes the mdast our ADF handlers produce to HTML. It honours `data.hName`/`hProperties`
 * (panels, status, underline …) and skips GFM alert markers. Raw `html` nodes pass through: they
 * come from our own handlers with escaped text, and full documents are sanitized afterwards.
 */
export function mdastToHtml(nodes: AnyNode | readonly AnyNode[], options: MdastHtmlOptions = {}): string {
  const compact = options.compact ?? false;
  const esc = (s: string): string => (compact ? escapeHtml(s).replace(/\n/g, '&#10;') : escapeHtml(s));

  const all = (children: readonly AnyNode[], sep = ''): string => children.map(one).join(sep);

  function item(node: Md.ListItem, tight: boolean): string {
    const box = typeof node.checked === 'boolean' ? `<input type="checkbox" disabled${node.checked ? ' checked' : ''}> ` : '';
    const first = node.children[0];
    const body =
      tight && first?.type === 'paragraph'
        ? [all(first.children), ...node.children.slice(1).map(one)].join('\n')
        : all(node.children, '\n');
    return `<li${box ? ' class="task"' : ''}>${box}${body}</li>`;
  }

  function one(node: AnyNode): string {
    const data = renderData(node);
    switch (node.type) {
      case 'root': {
        const defs = node.children.filter((c): c is Md.FootnoteDefinition => c.type === 'footnoteDefinition');
        const parts: string[] = [];
        let placed = false;
        for (const child of node.children) {
          if (child.type !== 'footnoteDefinition') parts.push(one(child));
          else if (!placed) {
            placed = true;
            parts.push(`<section class="comments">\n<h2>Comments</h2>\n<ol>\n${defs.map(one).join('\n')}\n</ol>\n</section>`);
          }
        }
        return parts.filter(Boolean).join('\n');
      }
      case 'paragraph':
        return `<p>${all(node.children)}</p>`;
      case 'heading':
        return `<h${node.depth}${attrs({ id: data.hProperties?.id })}>${all(node.children)}</h${node.depth}>`;
      case 'text':
        return esc(node.value);
      case 'emphasis': {
        const tag = data.hName ?? 'em';
        return `<${tag}>${all(node.children)}</${tag}>`;
      }
      case 'strong':
        return data.hName
          ? `<${data.hName}${attrs(data.hProperties ?? {})}>${all(node.children)}</${data.hName}>`
          : `<strong>${all(node.children)}</strong>`;
      case 'delete':
        return `<del>${all(node.children)}</del>`;
      case 'inlineCode':
        return `<code>${esc(node.value)}</code>`;
      case 'break':
        return '<br>';
      case 'link':
        return `<a${attrs({ href: node.url, title: node.title })}>${all(node.children)}</a>`;
      case 'image':
        return `<img${attrs({ src: node.url, alt: node.alt ?? '', title: node.title })}>`;
      case 'html':
        return data.alert ? '' : node.value;
      case 'code': {
        const cls = node.lang ? `language-${node.lang.replace(/[^\w+#.-]/g, '')}` : undefined;
        return `<pre><code${attrs({ class: cls })}>${esc(node.value)}</code></pre>`;
      }
      case 'blockquote': {
        const inner = node.children.map(one).filter(Boolean).join('\n');
        const marker = node.children[0];
        if (compact && marker?.type === 'html' && renderData(marker).alert) {
          // HTML inside Markdown is shown by GitHub, which strips class attributes: a panel keeps
          // its box as a blockquote and its kind as a visible label.
          return `<blockquote>\n<p><strong>${alertLabel(marker.value)}:</strong></p>\n${inner}\n</blockquote>`;
        }
        return data.hName
          ? `<${data.hName}${attrs(data.hProperties ?? {})}>\n${inner}\n</${data.hName}>`
          : `<blockquote>\n${inner}\n</blockquote>`;
      }
      case 'list': {
        const tight = !node.spread;
        const body = node.children.map((c) => item(c, tight)).join('\n');
        return node.ordered
          ? `<ol${attrs({ start: node.start !== 1 ? node.start : undefined })}>\n${body}\n</ol>`
          : `<ul>\n${body}\n</ul>`;
      }
      case 'listItem':
        return item(node, !node.spread);
      case 'thematicBreak':
        return '<hr>';
      case 'table': {
        const [head, ...rest] = node.children;
        const row = (r: Md.TableRow, tag: string): string =>
          `<tr>${r.children.map((c) => `<${tag}>${all(c.children)}</${tag}>`).join('')}</tr>`;
        const thead = head ? `<thead>\n${row(head, 'th')}\n</thead>\n` : '';
        return `<table>\n${thead}<tbody>\n${rest.map((r) => row(r, 'td')).join('\n')}\n</tbody>\n</table>`;
      }
      case 'footnoteReference':
        return `<sup class="fnref"><a${attrs({ href: `#fn-${node.identifier}`, id: `fnref-${node.identifier}` })}>[${esc(node.label ?? node.identifier)}]</a></sup>`;
      case 'footnoteDefinition':
        return `<li${attrs({ id: `fn-${node.identifier}` })}>\n${all(node.children, '\n')} <a${attrs({ href: `#fnref-${node.identifier}`, class: 'backref' })}>↩</a>\n</li>`;
      default:
        return 'children' in node ? all(node.children as AnyNode[]) : 'value' in node ? esc(String(node.value)) : '';
    }
  }

  return Array.isArray(nodes) ? (nodes as AnyNode[]).map(one).join('\n') : one(nodes as AnyNode);
}
