import type * as Md from 'mdast';
import type { Flow, Handler, Handlers, MdNode, Phrasing, State } from './state';
import { isPhrasing, isSafeImageUrl, own, withData } from './state';
import type { AdfNode } from './types';
import { adfText, attrNumber, attrString } from './types';
import { markHandlers, sortMarks, unknownMark, urlTextToTitle } from './marks';
import { table, tablePart } from './table';
import { alert, details, fenceLanguage, html, panelAlerts, paragraph, placeholder, plainText, text, trimEdges } from './build';
import { extension } from './macros';

function asItem(node: MdNode): Md.ListItem {
  if (node.type === 'listItem') return node;
  return { type: 'listItem', spread: false, children: [isPhrasing(node) ? paragraph([node as Phrasing]) : (node as Flow)] };
}

/**
 * Empty items are kept (a bare bullet, a number), so a round trip gives back the same list, its
 * depth, and the numbers readers refer to after an empty item.
 */
function items(state: State, node: AdfNode): Md.ListItem[] {
  const out: Md.ListItem[] = [];
  (node.content ?? []).forEach((child, i) => {
    for (const md of state.one(child, node, i)) out.push(asItem(md));
  });
  return out;
}

function list(ordered: boolean, children: Md.ListItem[], start?: number): Md.List | undefined {
  if (children.length === 0) return undefined;
  const out: Md.List = { type: 'list', ordered, spread: false, children };
  if (ordered && start !== undefined && start !== 1) out.start = start;
  return out;
}

/** Task and decision lists nest by putting a child list next to the item it belongs under. */
function nestedItems(state: State, node: AdfNode): Md.ListItem[] {
  const out: Md.ListItem[] = [];
  (node.content ?? []).forEach((child, i) => {
    for (const md of state.one(child, node, i)) {
      const prev = out[out.length - 1];
      // Empty items are kept (an unticked empty task is still a task), like empty decisions.
      if (md.type === 'list' && prev) prev.children.push(md);
      else out.push(asItem(md));
    }
  });
  return out;
}

/** ADF block types that may sit in a task item as written by Markdown→ADF libraries (marklassian). */
const taskBlocks = new Set(['taskList', 'bulletList', 'orderedList', 'decisionList', 'paragraph', 'codeBlock', 'blockquote', 'panel', 'extension', 'bodiedExtension', 'mediaSingle', 'table', 'heading']);

function taskItem(state: State, node: AdfNode, blocks: boolean): Md.ListItem {
  const mixed = !blocks && (node.content ?? []).some((c) => taskBlocks.has(c?.type));
  const children: Flow[] = blocks || mixed ? taskBlockChildren(state, node) : [paragraph(state.inlines(node))];
  // The checkbox sits on a leading paragraph (GFM and the serializer put it there): a task holding
  // only a list or a macro gets an empty one, `- [x]`, so its state is not lost.
  if (children[0]?.type !== 'paragraph') children.unshift(paragraph([]));
  return { type: 'listItem', spread: false, checked: attrString(node, 'state') === 'DONE', children };
}

/** A task item's blocks: inline runs become paragraphs, and a nested list stays a nested list. */
function taskBlockChildren(state: State, node: AdfNode): Flow[] {
  const out: Flow[] = [];
  let run: Phrasing[] = [];
  const flush = (): void => {
    if (run.length > 0) out.push(paragraph(run));
    run = [];
  };
  (node.content ?? []).forEach((child, i) => {
    for (const md of state.one(child, node, i)) {
      if (isPhrasing(md)) run.push(md as Phrasing);
      else {
        flush();
        out.push(md.type === 'listItem' ? { type: 'list', ordered: false, spread: false, children: [md] } : (md as Flow));
      }
    }
  });
  flush();
  return out.filter((b) => b.type !== 'paragraph' || b.children.length > 0 || out.length === 1);
}

function formatDate(timestamp: number): string | undefined {
  const d = new Date(timestamp);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
}

/** Resolves a media node to an image, a file link, or a visible placeholder; a link mark makes it clickable. */
function media(state: State, node: AdfNode): Phrasing {
  const attrs = { ...(node.attrs ?? {}) };
  const target =
    state.options.media?.(attrs) ??
    (typeof attrs.url === 'string' && attrs.type === 'external' ? { href: attrs.url, isImage: true } : undefined);
  const alt = attrString(node, 'alt') ?? target?.title ?? '';
  if (!target) {
    // A file pasted from a desktop editor has no id, only its `file://` URL: that names it best.
    const name = alt || attrString(node, 'id') || attrString(node, 'url') || 'unknown';
    state.report('attachment-missing', node.type, `Attachment "${name}" could not be resolved; a placeholder marks its place.`);
    return linkedMedia(state, node, placeholder(`Missing attachment: ${name}`));
  }
  if (!isSafeImageUrl(target.href)) {
    state.report('approximated', node.type, `An image from a ${target.href.split(':')[0]?.trim() || 'unsafe'}: URL was removed; a placeholder marks its place.`);
    return placeholder(`Image: ${alt || 'removed'}`);
  }
  const out: Phrasing = target.isImage
    ? { type: 'image', url: target.href, alt, title: target.title && target.title !== alt ? target.title : null }
    : { type: 'link', url: target.href, title: null, children: [text(target.title ?? alt ?? 'attachment')] };
  return out.type === 'link' ? out : linkedMedia(state, node, out);
}

/** A link mark on media makes the image, or its placeholder when the file is gone, clickable. */
function linkedMedia(state: State, node: AdfNode, out: Phrasing): Phrasing {
  const linkMark = (node.marks ?? []).find((m) => m?.type === 'link');
  const href = linkMark && attrString(linkMark, 'href');
  const url = href ? state.href(href) : undefined;
  return url === undefined ? out : { type: 'link', url, title: null, children: [out] };
}

/** The legacy `image` node (ADF before media, still written by some editors): src, alt, title. */
function legacyImage(state: State, node: AdfNode): Phrasing {
  const src = attrString(node, 'src') ?? '';
  const alt = attrString(node, 'alt') ?? '';
  const title = attrString(node, 'title') ?? null;
  if (!src || !isSafeImageUrl(src)) {
    state.report('approximated', 'image', src ? `An image from a ${src.split(':')[0]?.trim() || 'unsafe'}: URL was removed; a placeholder marks its place.` : 'An image without a source became a placeholder.');
    return placeholder(`Image: ${alt || title || 'removed'}`);
  }
  return linkedMedia(state, node, { type: 'image', url: src, alt, title: title && title !== alt ? title : null });
}

function card(state: State, node: AdfNode): Phrasing | undefined {
  // A card holds a URL, or JSON-LD `data` (Jira issues imported elsewhere): its `@id` is the
  // resource's address and `name` its title.
  const data = node.attrs?.data as { url?: unknown; name?: unknown; '@id'?: unknown } | undefined;
  const id = typeof data?.['@id'] === 'string' && /^https?:\/\//i.test(data['@id']) ? data['@id'] : undefined;
  const url = attrString(node, 'url') ?? (typeof data?.url === 'string' ? data.url : id);
  const title = typeof data?.name === 'string' && data.name ? data.name : undefined;
  if (!url) {
    state.report('unsupported-node', node.type, `A smart link without a URL was replaced by ${title ? 'its title' : 'a placeholder'}.`);
    return title ? text(title) : placeholder('Link');
  }
  const name = title ?? url;
  const href = state.href(url);
  if (href === undefined) return text(name);
  return { type: 'link', url: href, title: null, children: href === url ? [text(name)] : urlTextToTitle(state, url, [text(name)]) };
}

const heading: Handler = (state, node) => {
  const children = trimEdges(state.inlines(node));
  const depth = Math.min(6, Math.max(1, attrNumber(node, 'level') ?? 1)) as Md.Heading['depth'];
  const label = plainText(children).trim();
  if (!label && children.length === 0) return undefined;
  let slug = state.slug(label, depth);
  // GitHub cannot link to a heading whose slug is empty (only symbols or emoji): give it an id.
  if (slug === '' || /^-\d+$/.test(slug)) {
    slug = state.slug(`section ${state.headings.length + 1}`, depth);
    children.unshift(html(`<a id="${slug}"></a>`));
  }
  state.headings.push({ depth, text: label, slug });
  return withData<Md.Heading>({ type: 'heading', depth, children }, { hProperties: { id: slug } });
};

/**
 * Leaf nodes (breaks, rules, mentions, cards, media …) have no content in valid ADF; when a
 * malformed one does, its content is converted after it instead of being ignored.
 */
function leaf(handler: Handler): Handler {
  return (state, node, parent) => {
    const out = handler(state, node, parent);
    if (!node.content || node.content.length === 0) return out;
    return [...(out === undefined ? [] : Array.isArray(out) ? out : [out]), ...state.blocks(node)];
  };
}

const leafTypes = ['text', 'hardBreak', 'rule', 'status', 'mention', 'emoji', 'date', 'inlineCard', 'blockCard', 'embedCard', 'media', 'mediaInline', 'image', 'unsupportedBlock', 'unsupportedInline'];

export const nodeHandlers: Handlers = {
  doc: (state, node) => state.blocks(node),
  paragraph(state, node) {
    const children = state.inlines(node);
    return children.length > 0 ? paragraph(children) : undefined;
  },
  heading,
  text(state, node) {
    if (!node.text) return undefined;
    let out: Phrasing[] = [text(node.text)];
    for (const mark of sortMarks(node.marks ?? [])) out = (own(state.marks, mark.type) ?? unknownMark)(state, mark, out, node);
    return out;
  },
  hardBreak: () => ({ type: 'break' }),
  bulletList: (state, node) => list(false, items(state, node)),
  orderedList: (state, node) => list(true, items(state, node), attrNumber(node, 'order')),
  listItem: (state, node) => ({ type: 'listItem', spread: false, children: state.blocks(node) }),
  taskList: (state, node) => list(false, nestedItems(state, node)),
  taskItem: (state, node) => taskItem(state, node, false),
  blockTaskItem: (state, node) => taskItem(state, node, true),
  decisionList(state, node) {
    state.reportOnce('approximated', 'decisionList', 'Decisions become list items starting with "Decision:".');
    return list(false, nestedItems(state, node));
  },
  decisionItem(state, node) {
    const label = attrString(node, 'state') === 'DECIDED' || !attrString(node, 'state') ? 'Decision:' : 'Undecided:';
    const inline = state.inlines(node);
    const children: Phrasing[] = [{ type: 'strong', children: [text(label)] }];
    if (inline.length > 0) children.push(text(' '), ...inline);
    return { type: 'listItem', spread: false, children: [paragraph(children)] };
  },
  codeBlock(state, node) {
    // Code holds text only by schema, but pasted content brings emoji, mentions and hard breaks:
    // each shows the text its inline handler gives it, and a hard break stays a line break.
    const value = (node.content ?? [])
      .map((c, i) => (typeof c.text === 'string' ? c.text : c.type === 'hardBreak' ? '\n' : plainText(state.one(c, node, i)) || adfText(c)))
      .join('');
    const given = attrString(node, 'language');
    const lang = fenceLanguage(given);
    // What the fence cannot hold is named, not dropped silently: the rest of a pasted fence line,
    // or text planted there to break out of the fence (issue 21's hostile site).
    const rest = (given ?? '').replace(/[`~]/g, '').trim();
    if (lang && rest !== lang) state.report('approximated', 'code-language', `A code block's language "${rest}" was cut to "${lang}": a fence holds one word.`);
    return { type: 'code', lang, meta: null, value };
  },
  blockquote(state, node) {
    const children = state.blocks(node);
    return children.length > 0 ? { type: 'blockquote', children } : undefined;
  },
  rule: () => ({ type: 'thematicBreak' }),
  panel(state, node) {
    const panelType = attrString(node, 'panelType') ?? 'info';
    // An empty panel is kept (an alert with no body): a round trip must give it back.
    const children = state.blocks(node);
    if (!own(panelAlerts, panelType) || panelType === 'custom') {
      state.report('approximated', 'panel', `A ${panelType} panel became a NOTE alert; its colour and icon are not kept.`);
    } else if (panelType === 'success') {
      state.reportOnce('approximated', 'panel', 'Success panels became TIP alerts (GitHub has no success alert).');
    }
    return alert(panelType, children);
  },
  expand: (state, node) => details(attrString(node, 'title') || 'Details', state.blocks(node)),
  nestedExpand: (state, node) => details(attrString(node, 'title') || 'Details', state.blocks(node)),
  table,
  tableRow: tablePart,
  tableHeader: tablePart,
  tableCell: tablePart,
  status(state, node) {
    const label = attrString(node, 'text') ?? '';
    const color = attrString(node, 'color') ?? 'neutral';
    state.reportOnce('approximated', 'status', 'Status lozenges became bold text; their colours are not kept in Markdown.');
    return withData<Md.Strong>(
      { type: 'strong', children: [text(`[${label}]`)] },
      { hName: 'span', hProperties: { class: `status status-${color.replace(/[^a-z]/gi, '')}`, title: `Status (${color})` } },
    );
  },
  mention(state, node) {
    const id = attrString(node, 'id') ?? '';
    const name = state.options.users?.get(id);
    if (name) return text(`@${name}`);
    const fallback = attrString(node, 'text');
    state.report('approximated', 'mention', `Mention of ${id || 'an unknown user'} could not be resolved to a display name.`);
    return text(fallback ? (fallback.startsWith('@') ? fallback : `@${fallback}`) : `@${id || 'unknown'}`);
  },
  emoji: (state, node) => {
    const value = attrString(node, 'text') || attrString(node, 'shortName');
    return value ? text(value) : undefined;
  },
  date(state, node) {
    const ts = attrNumber(node, 'timestamp');
    const iso = ts === undefined ? undefined : formatDate(ts);
    if (iso) return text(iso);
    state.report('approximated', 'date', `A date with an unreadable timestamp (${String(node.attrs?.timestamp)}) was kept as is.`);
    return placeholder(`Date: ${String(node.attrs?.timestamp ?? '')}`);
  },
  inlineCard: (state, node) => card(state, node),
  blockCard(state, node) {
    const link = card(state, node);
    return link ? paragraph([link]) : undefined;
  },
  embedCard(state, node) {
    const link = card(state, node);
    return link ? paragraph([link]) : undefined;
  },
  media: (state, node) => media(state, node),
  image: (state, node) => legacyImage(state, node),
  mediaInline: (state, node) => media(state, node),
  mediaSingle(state, node) {
    const out: Flow[] = [];
    const inline: Phrasing[] = [];
    (node.content ?? []).forEach((child, i) => {
      for (const md of state.one(child, node, i)) {
        if (isPhrasing(md)) inline.push(md as Phrasing);
        else out.push(md as Flow);
      }
    });
    return inline.length > 0 ? [paragraph(inline), ...out] : out;
  },
  mediaGroup(state, node) {
    const inline: Phrasing[] = [];
    (node.content ?? []).forEach((child, i) => {
      for (const md of state.one(child, node, i)) {
        if (!isPhrasing(md)) continue;
        if (inline.length > 0) inline.push({ type: 'break' });
        inline.push(md as Phrasing);
      }
    });
    return inline.length > 0 ? paragraph(inline) : undefined;
  },
  caption(state, node) {
    const inline = state.inlines(node);
    return inline.length > 0 ? paragraph([{ type: 'emphasis', children: inline }]) : undefined;
  },
  layoutSection(state, node) {
    state.reportOnce('approximated', 'layoutSection', 'Page layout columns were flattened into one column, in order.');
    return state.blocks(node);
  },
  layoutColumn: (state, node) => state.blocks(node),
  extension,
  bodiedExtension: extension,
  inlineExtension: extension,
  multiBodiedExtension: extension,
  extensionFrame: (state, node) => state.blocks(node),
  // Editor-only hint text ("Type something…"): Confluence does not show it on published pages.
  placeholder: () => undefined,
  unsupportedBlock(state, node) {
    state.report('unsupported-node', node.type, 'Content Confluence itself could not render was replaced by a placeholder.');
    return paragraph([placeholder('Unsupported content')]);
  },
  unsupportedInline(state, node) {
    state.report('unsupported-node', node.type, 'Content Confluence itself could not render was replaced by a placeholder.');
    return placeholder('Unsupported content');
  },
};

for (const type of leafTypes) {
  const handler = own(nodeHandlers, type);
  if (handler) nodeHandlers[type] = leaf(handler);
}

/**
 * Unknown node types: children are converted as usual (their text stays visible); a leaf gets a
 * placeholder naming the type and any text it carries.
 */
export const unknownNode: Handler = (state, node) => {
  state.report('unsupported-node', node.type, `Unknown node type "${node.type}"; its text is kept where possible.`);
  if (node.content && node.content.length > 0) return state.blocks(node);
  const inner = adfText(node) || attrString(node, 'url') || '';
  return placeholder(inner ? `${node.type}: ${inner}` : node.type);
};

export { markHandlers };
