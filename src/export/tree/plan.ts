/**
 * The shape of a tree export, decided once from the user's listing: which items are pages (exported)
 * and which are not (folders, databases, whiteboards: reported), and the folder of every item in the
 * bundle. Folder names come from titles, made safe for every unzip tool and file system.
 */
import type { Descendant } from '../../confluence/types';
import { ENTRY_MAX_BYTES } from '../bundle';
import { ATTACHMENTS_DIR, safeSegment, uniqueName } from '../names';
import type { ReportEntry } from '../report';

export interface TreeNode {
  id: string;
  title: string;
  /** Content type: page, folder, database, whiteboard … */
  type: string;
  parentId?: string;
  /** The item's folder in the bundle (`Root/Child/Grandchild`); pages keep `index.<ext>` in it. */
  dir: string;
}

export interface TreePlan {
  nodes: TreeNode[];
  /** Ids of the pages to export, in tree order (root first). */
  pageIds: string[];
  /** One entry per item that is not exported, with the reason. */
  skipped: ReportEntry[];
}

/**
 * Longest folder path (UTF-8 bytes). The zip refuses entry names over ENTRY_MAX_BYTES, and a folder
 * still gets `/_attachments/<name of ≤ 80 bytes> (n)` or `/index.txt` appended.
 */
export const DIR_MAX_BYTES = ENTRY_MAX_BYTES - 128;
const encoder = new TextEncoder();

/** Content a tree export converts: pages, and the blog posts of a whole-space export. */
export const isExported = (type: string): boolean => type === 'page' || type === 'blogpost';
/**
 * Folders the export makes itself (a space export's root, its blog folder): neither exported nor
 * reported as skipped.
 */
export const SECTION = 'section';
/** Items reported as "not a page" (folders, databases, whiteboards …). */
export const isSkipped = (type: string): boolean => !isExported(type) && type !== SECTION && type !== 'space';

/** Names a page folder holds besides its children's folders. */
export { ATTACHMENTS_DIR };
// `_category_.json`: the Docusaurus preset writes one into folders with child pages.
const RESERVED = ['index.md', 'index.html', 'index.json', 'index.txt', ATTACHMENTS_DIR, '_category_.json'];

/**
 * Plans the bundle from the root and its descendants (as listed for the user). Items whose parent is
 * not in the listing are placed under the root, so nothing listed is lost.
 */
export function planTree(root: { id: string; title: string; type?: string }, descendants: readonly Descendant[]): TreePlan {
  const rootDir = safeSegment(root.title);
  const rootNode: TreeNode = { id: root.id, title: root.title, type: root.type ?? 'page', dir: rootDir };
  const byId = new Map<string, TreeNode>([[root.id, rootNode]]);
  const taken = new Map<string, Set<string>>();
  const nodes: TreeNode[] = [rootNode];
  const skipped: ReportEntry[] = [];
  // Parents before children: sort by depth, keeping listing order (sibling position) within a depth.
  const ordered = descendants.map((d, i) => ({ d, i })).sort((x, y) => (x.d.depth ?? 1) - (y.d.depth ?? 1) || x.i - y.i);
  for (const { d } of ordered) {
    if (byId.has(d.id)) continue;
    const parent = (d.parentId ? byId.get(d.parentId) : undefined) ?? rootNode;
    const title = d.title ?? '';
    const segment = safeSegment(title || d.id);
    // A deep tree of long titles would outgrow the zip's name limit (and fail the whole job): such
    // an item's folder starts again under the root. The manifest keeps the real parent.
    const at = encoder.encode(`${parent.dir}/${segment} (99999)`).length > DIR_MAX_BYTES ? rootNode : parent;
    // A page's own files live next to its children's folders: those names are reserved.
    const siblings = taken.get(at.dir) ?? new Set<string>(RESERVED);
    taken.set(at.dir, siblings);
    const dir = `${at.dir}/${uniqueName(siblings, segment)}`;
    const node: TreeNode = { id: d.id, title, type: d.type ?? 'page', parentId: parent.id, dir };
    byId.set(d.id, node);
    nodes.push(node);
    if (isSkipped(node.type)) {
      skipped.push({ kind: 'page-skipped', what: node.type, pageId: node.id, detail: `"${title}" is a ${node.type}, not a page; only pages are exported (its child pages are).` });
    }
  }
  // Tree order for the bundle: depth-first from the root, so a page's children follow it.
  const children = new Map<string, TreeNode[]>();
  for (const n of nodes.slice(1)) {
    const key = n.parentId ?? root.id;
    const list = children.get(key);
    if (list) list.push(n);
    else children.set(key, [n]);
  }
  const pageIds: string[] = [];
  const stack: TreeNode[] = [rootNode];
  const sorted: TreeNode[] = [];
  while (stack.length > 0) {
    const n = stack.pop()!;
    sorted.push(n);
    if (isExported(n.type)) pageIds.push(n.id);
    stack.push(...[...(children.get(n.id) ?? [])].reverse());
  }
  return { nodes: sorted, pageIds, skipped };
}
