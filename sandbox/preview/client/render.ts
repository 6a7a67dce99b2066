/**
 * ForgeDoc -> DOM, the part of the Forge host that draws a UI Kit app. @forge/react sends the whole
 * tree (`{type, props, children, key}`, function props included) after every commit; the host
 * redraws it. One render function per component type, in a table; a type missing from the table
 * is drawn as a visible placeholder and reported with console.warn, never dropped.
 *
 * Function props are called in place with the argument shapes UI Kit documents:
 * Textfield/TextArea/Checkbox/Toggle/RadioGroup get a serialisable event (`event.target.value` /
 * `.checked`), Select gets the option (or options, or null), Tabs get the index, FileCard's
 * `onDownload` returns a Blob that the host saves.
 */
import { applyXcss, tokenValue } from './tokens';

export interface ForgeNode {
  type: string;
  key: string;
  props: Record<string, unknown>;
  children: ForgeNode[];
}

export interface RenderHost {
  /** Host-side state of uncontrolled components (tab index, typed text …), keyed by node key. */
  state: Map<string, unknown>;
  /** Redraw the last ForgeDoc (after host-only state changed). */
  redraw(): void;
  /** Display names of the site's users, for the User component. */
  users: Record<string, string>;
  download(fileName: string, blob: Blob): void;
  /** Report a failing app callback (shown in the page, like the product's error boundary). */
  fail(error: unknown): void;
}

interface Ctx {
  host: RenderHost;
  /** Inside Text: nested Text renders inline. */
  inline: boolean;
}

type Kid = Node | string | null | undefined | false;
type Render = (n: ForgeNode, ctx: Ctx) => Node;

/**
 * The listeners the renderer gave each element. A redraw keeps the elements that did not change
 * (host.ts `morph`) and moves the new listeners onto them, so nothing under the pointer is swapped
 * out between a press and its release (the real UI Kit host, React, keeps them too).
 */
export const listeners = new WeakMap<EventTarget, Array<[string, EventListener]>>();

function on<K extends keyof HTMLElementEventMap>(el: HTMLElement, type: K, f: (e: HTMLElementEventMap[K]) => void): void {
  el.addEventListener(type, f as EventListener);
  listeners.set(el, [...(listeners.get(el) ?? []), [type, f as EventListener]]);
}

export function h(tag: string, attrs: Record<string, string | number | boolean | undefined | null> = {}, ...kids: Kid[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    el.append(k);
  }
  return el;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
const fn = (v: unknown): ((...args: unknown[]) => unknown) | undefined =>
  (typeof v === 'function' ? (v as (...args: unknown[]) => unknown) : undefined);

/** Calls an app callback; async failures surface in the page instead of vanishing. */
function call(ctx: Ctx, f: ((...args: unknown[]) => unknown) | undefined, ...args: unknown[]): unknown {
  if (!f) return undefined;
  try {
    const out = f(...args);
    if (out instanceof Promise) out.catch((e: unknown) => ctx.host.fail(e));
    return out;
  } catch (e) {
    ctx.host.fail(e);
    return undefined;
  }
}

/** UI Kit's SerialisableEvent: what the product passes to onChange/onBlur/onFocus of inputs. */
function inputEvent(el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, type: string): unknown {
  const input = el as HTMLInputElement;
  return {
    bubbles: true, cancelable: false, defaultPrevented: false, eventPhase: 2, isTrusted: true, timeStamp: Date.now(), type,
    target: {
      value: el.value, checked: input.type === 'checkbox' || input.type === 'radio' ? input.checked : undefined,
      name: el.name || undefined, id: el.id || undefined, tagName: el.tagName, type: input.type,
      selectionStart: 'selectionStart' in el ? el.selectionStart : null, selectionEnd: 'selectionEnd' in el ? el.selectionEnd : null,
    },
  };
}

function kids(n: ForgeNode, ctx: Ctx): Node[] {
  return n.children.map((c) => renderNode(c, ctx));
}

function wrapper(n: ForgeNode, name: string): ForgeNode | undefined {
  return n.children.find((c) => c.type === 'ContentWrapper' && c.props.name === name);
}

/** A prop that may be a string or a React element (which cannot cross the bridge as a tree). */
function textProp(v: unknown): string | undefined {
  return str(v) ?? (v && typeof v === 'object' ? '[element]' : undefined);
}

const uniqueWarned = new Set<string>();
function placeholder(n: ForgeNode, ctx: Ctx): Node {
  if (!uniqueWarned.has(n.type)) {
    uniqueWarned.add(n.type);
    console.warn(`[preview] UI Kit component "${n.type}" is not rendered by the preview host; showing a placeholder.`);
  }
  return h('div', { class: 'ak-unknown', 'data-unknown-type': n.type },
    h('span', { class: 'ak-unknown-type' }, `<${n.type}>`), ...kids(n, ctx));
}

function button(n: ForgeNode, ctx: Ctx, loading = false): HTMLElement {
  const p = n.props;
  const appearance = str(p.appearance) ?? 'default';
  const busy = loading && p.isLoading === true;
  const el = h('button', {
    type: str(p.type) ?? 'button', class: `ak-btn ak-btn-${appearance}${p.shouldFitContainer ? ' ak-fit' : ''}${p.spacing === 'compact' ? ' ak-compact' : ''}`,
    disabled: p.isDisabled === true || busy, 'aria-pressed': p.isSelected === true ? 'true' : undefined,
    'aria-busy': busy ? 'true' : undefined,
  }, busy ? h('span', { class: 'ak-spinner ak-spinner-small' }) : null, ...kids(n, ctx));
  on(el, 'click', (e) => {
    if (str(p.type) !== 'submit') e.preventDefault();
    call(ctx, fn(p.onClick), { type: 'click' });
  });
  return el;
}

const HEADING_SIZES: Record<string, string> = {
  xxlarge: 'h1', xlarge: 'h2', large: 'h3', medium: 'h4', small: 'h5', xsmall: 'h6', xxsmall: 'h6',
};

function stackOrInline(n: ForgeNode, ctx: Ctx, dir: 'column' | 'row'): HTMLElement {
  const p = n.props;
  const el = h(str(p.as) ?? 'div', { class: dir === 'column' ? 'ak-stack' : 'ak-inline' });
  el.style.gap = tokenValue(p.space) ?? '0px';
  if (p.rowSpace) el.style.rowGap = tokenValue(p.rowSpace) ?? '';
  const align: Record<string, string> = { start: 'flex-start', center: 'center', end: 'flex-end', stretch: 'stretch', baseline: 'baseline' };
  const inlineAlign = align[str(p.alignInline) ?? ''];
  const blockAlign = align[str(p.alignBlock) ?? ''];
  if (dir === 'column') {
    if (inlineAlign) el.style.alignItems = inlineAlign;
    if (blockAlign) el.style.justifyContent = blockAlign;
  } else {
    el.style.alignItems = blockAlign ?? 'center';
    if (inlineAlign) el.style.justifyContent = inlineAlign;
    if (p.shouldWrap) el.style.flexWrap = 'wrap';
  }
  if (p.spread === 'space-between') el.style.justifyContent = 'space-between';
  if (p.grow === 'fill') el.style.flexGrow = '1';
  const separator = str(p.separator);
  n.children.forEach((c, i) => {
    if (separator && i > 0) el.append(h('span', { class: 'ak-sep' }, separator));
    el.append(renderNode(c, ctx));
  });
  applyXcss(el, p.xcss);
  return el;
}

function box(n: ForgeNode, ctx: Ctx): HTMLElement {
  const p = n.props;
  const el = h(str(p.as) ?? 'div', { class: 'ak-box', role: str(p.role) }, ...kids(n, ctx));
  const sides: Array<[string, string]> = [
    ['padding', 'padding'], ['paddingBlock', 'padding-block'], ['paddingInline', 'padding-inline'],
    ['paddingBlockStart', 'padding-block-start'], ['paddingBlockEnd', 'padding-block-end'],
    ['paddingInlineStart', 'padding-inline-start'], ['paddingInlineEnd', 'padding-inline-end'],
    ['backgroundColor', 'background-color'],
  ];
  for (const [prop, css] of sides) {
    const v = tokenValue(p[prop]);
    if (v) el.style.setProperty(css, v);
  }
  applyXcss(el, p.xcss);
  return el;
}

/** Keeps what a person typed into an uncontrolled input across redraws. */
function initialValue(n: ForgeNode, ctx: Ctx): string {
  if (n.props.value !== undefined) return str(n.props.value) ?? '';
  const kept = ctx.host.state.get(n.key);
  return typeof kept === 'string' ? kept : str(n.props.defaultValue) ?? '';
}

function textInput(n: ForgeNode, ctx: Ctx, multi: boolean): HTMLElement {
  const p = n.props;
  const attrs = {
    id: str(p.id), name: str(p.name), placeholder: str(p.placeholder), disabled: p.isDisabled === true,
    readonly: p.isReadOnly === true, required: p.isRequired === true, maxlength: str(p.maxLength), 'aria-invalid': p.isInvalid ? 'true' : undefined,
    'data-fkey': n.key, class: `ak-field${p.isMonospaced ? ' ak-mono' : ''}${p.isInvalid ? ' ak-invalid' : ''}`,
    'aria-labelledby': str(p['aria-labelledby']),
  };
  const el = multi
    ? h('textarea', { ...attrs, rows: str(p.minimumRows) ?? 3 }) as HTMLTextAreaElement
    : h('input', { ...attrs, type: str(p.type) ?? 'text', min: str(p.min), max: str(p.max) }) as HTMLInputElement;
  el.value = initialValue(n, ctx);
  on(el, 'input', () => {
    ctx.host.state.set(n.key, el.value);
    call(ctx, fn(p.onChange), inputEvent(el, 'change'));
  });
  on(el, 'blur', () => call(ctx, fn(p.onBlur), inputEvent(el, 'blur')));
  on(el, 'focus', () => call(ctx, fn(p.onFocus), inputEvent(el, 'focus')));
  return el;
}

function checkable(n: ForgeNode, ctx: Ctx, toggle: boolean): HTMLElement {
  const p = n.props;
  const kept = ctx.host.state.get(n.key);
  const checked = typeof p.isChecked === 'boolean' ? p.isChecked : typeof kept === 'boolean' ? kept : p.defaultChecked === true;
  const input = h('input', {
    type: 'checkbox', id: str(p.id), name: str(p.name), value: str(p.value), disabled: p.isDisabled === true,
    role: toggle ? 'switch' : undefined, 'data-fkey': n.key, class: toggle ? 'ak-toggle-input' : undefined,
  }) as HTMLInputElement;
  input.checked = checked;
  input.indeterminate = p.isIndeterminate === true;
  on(input, 'change', () => {
    ctx.host.state.set(n.key, input.checked);
    call(ctx, fn(p.onChange), inputEvent(input, 'change'));
  });
  const label = textProp(p.label);
  return h('label', { class: toggle ? 'ak-toggle' : 'ak-check' }, input, toggle ? h('span', { class: 'ak-toggle-track' }) : null, label ? h('span', {}, label) : null);
}

interface Option { label: string; value: unknown }
const asOptions = (v: unknown): Option[] =>
  (Array.isArray(v) ? v.filter((o): o is Option => !!o && typeof o === 'object' && 'value' in o) : []);
const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function select(n: ForgeNode, ctx: Ctx): HTMLElement {
  const p = n.props;
  const options = asOptions(p.options);
  const multi = p.isMulti === true;
  const current = p.value !== undefined ? p.value : ctx.host.state.has(n.key) ? ctx.host.state.get(n.key) : p.defaultValue;
  const chosen = (Array.isArray(current) ? current : current ? [current] : []) as Array<{ value?: unknown }>;
  const el = h('select', {
    class: 'ak-select', id: str(p.inputId) ?? str(p.id), name: str(p.name), multiple: multi, disabled: p.isDisabled === true,
    'data-fkey': n.key, 'aria-invalid': p.isInvalid ? 'true' : undefined,
  }) as HTMLSelectElement;
  if (!multi) el.append(h('option', { value: '', disabled: p.isClearable !== true }, str(p.placeholder) ?? 'Select…'));
  options.forEach((o, i) => {
    const opt = h('option', { value: String(i) }, String(o.label)) as HTMLOptionElement;
    opt.selected = chosen.some((c) => sameValue(c?.value, o.value));
    el.append(opt);
  });
  if (!multi && !chosen.length) el.value = '';
  on(el, 'change', () => {
    const picked = [...el.selectedOptions].filter((o) => o.value !== '').map((o) => options[Number(o.value)]).filter(Boolean);
    const next = multi ? picked : picked[0] ?? null;
    ctx.host.state.set(n.key, next);
    call(ctx, fn(p.onChange), next);
  });
  return el;
}

function radioGroup(n: ForgeNode, ctx: Ctx): HTMLElement {
  const p = n.props;
  const options = Array.isArray(p.options) ? (p.options as Array<{ name?: string; value: string; label: string; isDisabled?: boolean }>) : [];
  const current = str(p.value) ?? str(ctx.host.state.get(n.key)) ?? str(p.defaultValue);
  const group = h('div', { class: 'ak-radios', role: 'radiogroup', 'aria-labelledby': str(p['aria-labelledby']) });
  const name = str(p.name) ?? `radio-${n.key}`;
  for (const o of options) {
    const input = h('input', { type: 'radio', name: o.name ?? name, value: o.value, disabled: o.isDisabled === true || p.isDisabled === true }) as HTMLInputElement;
    input.checked = o.value === current;
    on(input, 'change', () => {
      ctx.host.state.set(n.key, o.value);
      call(ctx, fn(p.onChange), inputEvent(input, 'change'));
    });
    group.append(h('label', { class: 'ak-check' }, input, h('span', {}, o.label)));
  }
  return group;
}

function tabs(n: ForgeNode, ctx: Ctx): HTMLElement {
  const p = n.props;
  const list = n.children.find((c) => c.type === 'TabList');
  const panels = n.children.filter((c) => c.type === 'TabPanel');
  const kept = ctx.host.state.get(n.key);
  const selected = typeof p.selected === 'number' ? p.selected : typeof kept === 'number' ? kept : typeof p.defaultSelected === 'number' ? p.defaultSelected : 0;
  const bar = h('div', { class: 'ak-tablist', role: 'tablist' });
  (list?.children ?? []).forEach((tab, i) => {
    const el = h('button', { type: 'button', role: 'tab', class: 'ak-tab', 'aria-selected': i === selected ? 'true' : 'false', 'data-testid': str(tab.props.testId) }, ...kids(tab, ctx));
    on(el, 'click', () => {
      if (i === selected) return;
      if (typeof p.selected !== 'number') {
        ctx.host.state.set(n.key, i);
        ctx.host.redraw();
      }
      call(ctx, fn(p.onChange), i);
    });
    bar.append(el);
  });
  const panel = panels[selected];
  return h('div', { class: 'ak-tabs', id: str(p.id) }, bar,
    panel ? h('div', { class: 'ak-tabpanel', role: 'tabpanel' }, ...kids(panel, ctx)) : null);
}

function dynamicTable(n: ForgeNode, ctx: Ctx): HTMLElement {
  const p = n.props;
  const head = wrapper(n, 'head')?.children ?? [];
  const rows = wrapper(n, 'rows')?.children ?? [];
  const perPage = typeof p.rowsPerPage === 'number' && p.rowsPerPage > 0 ? p.rowsPerPage : rows.length || 1;
  const pages = Math.max(1, Math.ceil(rows.length / perPage));
  const kept = ctx.host.state.get(n.key);
  const page = Math.min(pages, typeof p.page === 'number' ? p.page : typeof kept === 'number' ? kept : typeof p.defaultPage === 'number' ? p.defaultPage : 1);
  const cell = (c: ForgeNode, tag: 'td' | 'th'): HTMLElement => {
    const el = h(tag, { class: c.props.shouldTruncate ? 'ak-trunc' : undefined }, ...kids(c, ctx));
    if (typeof c.props.width === 'number') el.style.width = `${c.props.width}%`;
    return el;
  };
  const table = h('table', { class: 'ak-table' },
    str(p.caption) ? h('caption', {}, str(p.caption)) : null,
    head.length ? h('thead', {}, h('tr', {}, ...head.map((c) => cell(c, 'th')))) : null,
    h('tbody', {}, ...rows.slice((page - 1) * perPage, page * perPage).map((r) => {
      const tr = h('tr', { class: r.props.isHighlighted ? 'ak-hl' : undefined, 'data-row-key': str(r.props.rowKey) }, ...r.children.map((c) => cell(c, 'td')));
      if (fn(r.props.onClick)) on(tr, 'click', () => call(ctx, fn(r.props.onClick), { type: 'click' }));
      return tr;
    })));
  const out = h('div', { class: 'ak-table-wrap' }, table);
  if (p.isLoading === true) out.append(h('div', { class: 'ak-table-loading' }, h('span', { class: 'ak-spinner' })));
  if (!rows.length) out.append(h('div', { class: 'ak-empty-row' }, textProp(p.emptyView) === '[element]' ? 'No rows' : textProp(p.emptyView) ?? 'No rows'));
  if (pages > 1) out.append(pager(pages, page, (next) => {
    if (typeof p.page !== 'number') {
      ctx.host.state.set(n.key, next);
      ctx.host.redraw();
    }
    call(ctx, fn(p.onSetPage), next);
  }));
  return out;
}

function pager(pages: number, current: number, go: (page: number) => void): HTMLElement {
  const nav = h('nav', { class: 'ak-pagination', 'aria-label': 'pagination' });
  const btn = (label: string, page: number, disabled: boolean, selected = false): HTMLElement => {
    const b = h('button', { type: 'button', class: `ak-btn ak-btn-subtle${selected ? ' ak-selected' : ''}`, disabled, 'aria-current': selected ? 'page' : undefined }, label);
    on(b, 'click', () => go(page));
    return b;
  };
  nav.append(btn('‹', current - 1, current <= 1));
  for (let i = 1; i <= pages; i++) nav.append(btn(String(i), i, false, i === current));
  nav.append(btn('›', current + 1, current >= pages));
  return nav;
}

function comment(n: ForgeNode, ctx: Ctx): HTMLElement {
  const p = n.props;
  const author = p.author as { text?: string; onClick?: unknown } | undefined;
  const time = p.time as { text?: string; onClick?: unknown } | undefined;
  const actions = Array.isArray(p.actions) ? (p.actions as Array<{ text: string; onClick?: unknown }>) : [];
  const avatar = wrapper(n, 'avatar');
  const content = wrapper(n, 'content');
  const replies = n.children.filter((c) => c.type !== 'ContentWrapper');
  const actionRow = actions.length ? h('div', { class: 'ak-comment-actions' }, ...actions.map((a) => {
    const b = h('button', { type: 'button', class: 'ak-link-btn' }, a.text);
    on(b, 'click', () => call(ctx, fn(a.onClick), { type: 'click' }));
    return b;
  })) : null;
  const initials = (author?.text ?? '?').split(/\s+/).map((w) => w[0] ?? '').join('').slice(0, 2).toUpperCase();
  return h('div', { class: `ak-comment${p.highlighted ? ' ak-hl' : ''}`, id: str(p.id) },
    h('div', { class: 'ak-comment-avatar' }, avatar && avatar.children.length ? h('div', {}, ...kids(avatar, ctx)) : h('span', { class: 'ak-avatar' }, initials)),
    h('div', { class: 'ak-comment-main' },
      h('div', { class: 'ak-comment-head' },
        author?.text ? h('strong', {}, author.text) : null,
        str(p.type) ? h('span', { class: 'ak-lozenge ak-lozenge-default' }, str(p.type)) : null,
        str(p.restrictedTo) ? h('span', { class: 'ak-subtle' }, `🔒 ${str(p.restrictedTo)}`) : null,
        time?.text ? h('span', { class: 'ak-subtle' }, time.text) : null,
        str(p.edited) ? h('span', { class: 'ak-subtle' }, str(p.edited)) : null,
        p.isSaving ? h('span', { class: 'ak-subtle' }, str(p.savingText) ?? 'Sending…') : null),
      content ? h('div', { class: 'ak-comment-content' }, ...kids(content, ctx)) : null,
      actionRow,
      replies.length ? h('div', { class: 'ak-comment-replies' }, ...replies.map((r) => renderNode(r, ctx))) : null));
}

function fileCard(n: ForgeNode, ctx: Ctx): HTMLElement {
  const p = n.props;
  const name = str(p.fileName) ?? 'file';
  const size = typeof p.fileSize === 'number' ? formatBytes(p.fileSize) : undefined;
  const el = h('div', { class: `ak-filecard${p.error ? ' ak-invalid' : ''}`, 'data-file-name': name },
    h('span', { class: 'ak-file-icon' }, (name.split('.').pop() ?? '').slice(0, 4).toUpperCase() || 'FILE'),
    h('div', { class: 'ak-file-meta' }, h('strong', {}, name),
      h('span', { class: 'ak-subtle' }, [str(p.fileType), size].filter(Boolean).join(' · ')),
      str(p.error) ? h('span', { class: 'ak-error-text' }, str(p.error)) : null,
      p.isUploading ? h('progress', { max: 100, value: typeof p.uploadProgress === 'number' ? Math.round(p.uploadProgress * 100) : undefined }) : null));
  const download = fn(p.onDownload);
  if (download) {
    const b = h('button', { type: 'button', class: 'ak-btn ak-btn-default', 'aria-label': `Download ${name}` }, 'Download');
    on(b, 'click', () => {
      void Promise.resolve(call(ctx, download)).then((blob) => {
        if (blob instanceof Blob) ctx.host.download(name, blob);
      });
    });
    el.append(b);
  }
  const remove = fn(p.onDelete);
  if (remove) {
    const b = h('button', { type: 'button', class: 'ak-btn ak-btn-subtle', 'aria-label': `Remove ${name}` }, '✕');
    on(b, 'click', () => call(ctx, remove));
    el.append(b);
  }
  return el;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function modal(n: ForgeNode, ctx: Ctx): HTMLElement {
  const p = n.props;
  const close = (): void => void call(ctx, fn(p.onClose), { type: 'close' });
  const widths: Record<string, string> = { small: '400px', medium: '600px', large: '800px', 'x-large': '968px' };
  const dialog = h('div', { class: 'ak-modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': str(p.label) }, ...kids(n, ctx));
  dialog.style.width = widths[str(p.width) ?? 'medium'] ?? tokenValue(p.width) ?? '600px';
  const blanket = h('div', { class: 'ak-blanket' }, dialog);
  on(blanket, 'click', (e) => {
    if (e.target === blanket && p.shouldCloseOnOverlayClick !== false) close();
  });
  on(blanket, 'keydown', (e) => {
    if (e.key === 'Escape' && p.shouldCloseOnEscapePress !== false) close();
  });
  return blanket;
}

function adfNode(node: unknown, ctx: Ctx): Node {
  if (!node || typeof node !== 'object') return document.createTextNode('');
  const n = node as { type?: string; text?: string; attrs?: Record<string, unknown>; content?: unknown[]; marks?: Array<{ type: string; attrs?: Record<string, unknown> }> };
  const inner = (): Node[] => (n.content ?? []).map((c) => adfNode(c, ctx));
  switch (n.type) {
    case 'doc': return h('div', { class: 'ak-adf' }, ...inner());
    case 'paragraph': return h('p', {}, ...inner());
    case 'heading': return h(`h${Math.min(6, Math.max(1, Number(n.attrs?.level ?? 1)))}`, {}, ...inner());
    case 'bulletList': return h('ul', {}, ...inner());
    case 'orderedList': return h('ol', {}, ...inner());
    case 'listItem': return h('li', {}, ...inner());
    case 'blockquote': return h('blockquote', {}, ...inner());
    case 'codeBlock': return h('pre', { class: 'ak-codeblock' }, h('code', {}, ...inner()));
    case 'rule': return h('hr');
    case 'hardBreak': return h('br');
    case 'mention': return h('span', { class: 'ak-mention' }, str(n.attrs?.text) ?? '@someone');
    case 'emoji': return document.createTextNode(str(n.attrs?.text) ?? str(n.attrs?.shortName) ?? '');
    case 'text': {
      let el: Node = document.createTextNode(n.text ?? '');
      for (const m of n.marks ?? []) {
        const tag = { strong: 'strong', em: 'em', code: 'code', strike: 's', underline: 'u' }[m.type];
        if (tag) el = h(tag, {}, el);
        else if (m.type === 'link') el = h('a', { href: str(m.attrs?.href), target: '_blank', rel: 'noreferrer' }, el);
      }
      return el;
    }
    default: return h('span', {}, ...inner());
  }
}

const BADGE = new Set(['added', 'default', 'important', 'primary', 'primaryInverted', 'removed']);

const RENDERERS: Record<string, Render> = {
  Root: (n, ctx) => h('div', { class: 'ak-root' }, ...kids(n, ctx)),
  ContentWrapper: (n, ctx) => h('div', { class: 'ak-contents' }, ...kids(n, ctx)),
  String: (n) => document.createTextNode(str(n.props.text) ?? ''),
  Text: (n, ctx) => {
    const p = n.props;
    const tag = str(p.as) ?? (ctx.inline ? 'span' : 'p');
    const el = h(tag, { class: `ak-text${p.size ? ` ak-text-${str(p.size)}` : ''}` }, ...kids(n, { ...ctx, inline: true }));
    const color = tokenValue(p.color);
    if (color) el.style.color = color;
    if (p.weight) el.style.fontWeight = ({ regular: '400', medium: '500', semibold: '600', bold: '700' } as Record<string, string>)[str(p.weight) ?? ''] ?? '';
    if (p.align) el.style.textAlign = str(p.align) ?? '';
    if (typeof p.maxLines === 'number') {
      el.classList.add('ak-clamp');
      el.style.setProperty('-webkit-line-clamp', String(p.maxLines));
    }
    return el;
  },
  Strong: (n, ctx) => h('strong', {}, ...kids(n, ctx)),
  Em: (n, ctx) => h('em', {}, ...kids(n, ctx)),
  Strike: (n, ctx) => h('s', {}, ...kids(n, ctx)),
  Heading: (n, ctx) => h(str(n.props.as) ?? HEADING_SIZES[str(n.props.size) ?? 'medium'] ?? 'h4', { class: 'ak-heading' }, ...kids(n, { ...ctx, inline: true })),
  Stack: (n, ctx) => stackOrInline(n, ctx, 'column'),
  Inline: (n, ctx) => stackOrInline(n, ctx, 'row'),
  Box: box,
  Bleed: (n, ctx) => h('div', {}, ...kids(n, ctx)),
  Pressable: (n, ctx) => {
    const el = h('button', { type: 'button', class: 'ak-pressable', disabled: n.props.isDisabled === true }, ...kids(n, ctx));
    applyXcss(el, n.props.xcss);
    on(el, 'click', () => call(ctx, fn(n.props.onClick), { type: 'click' }));
    return el;
  },
  Button: (n, ctx) => button(n, ctx),
  LoadingButton: (n, ctx) => button(n, ctx, true),
  LinkButton: (n, ctx) => h('a', { class: `ak-btn ak-btn-${str(n.props.appearance) ?? 'default'}`, href: str(n.props.href), target: n.props.target === '_blank' ? '_blank' : undefined, rel: 'noreferrer' }, ...kids(n, ctx)),
  ButtonGroup: (n, ctx) => h('div', { class: 'ak-btn-group', role: 'group', 'aria-label': str(n.props.label) }, ...kids(n, ctx)),
  Link: (n, ctx) => h('a', { class: 'ak-link', href: str(n.props.href), target: n.props.openNewTab ? '_blank' : undefined, rel: 'noreferrer' }, ...kids(n, { ...ctx, inline: true })),
  Lozenge: (n, ctx) => h('span', { class: `ak-lozenge ak-lozenge-${str(n.props.appearance) ?? 'default'}${n.props.isBold ? ' ak-bold' : ''}` }, ...kids(n, { ...ctx, inline: true })),
  Badge: (n, ctx) => h('span', { class: `ak-badge ak-badge-${BADGE.has(str(n.props.appearance) ?? '') ? str(n.props.appearance) : 'default'}` }, ...kids(n, { ...ctx, inline: true })),
  Tag: (n) => h('span', { class: `ak-tag${n.props.appearance === 'rounded' ? ' ak-rounded' : ''}` }, str(n.props.text) ?? ''),
  TagGroup: (n, ctx) => h('div', { class: 'ak-inline ak-wrap' }, ...kids(n, ctx)),
  Code: (n, ctx) => h('code', { class: 'ak-code' }, ...kids(n, { ...ctx, inline: true })),
  CodeBlock: (n) => h('pre', { class: `ak-codeblock${n.props.shouldWrapLongLines ? ' ak-wrap-lines' : ''}`, 'data-language': str(n.props.language) }, h('code', {}, str(n.props.text) ?? '')),
  SectionMessage: (n, ctx) => {
    const appearance = ({ info: 'information', change: 'discovery', confirmation: 'success' } as Record<string, string>)[str(n.props.appearance) ?? ''] ?? str(n.props.appearance) ?? 'information';
    const actions = n.children.filter((c) => c.type === 'SectionMessageAction');
    return h('section', { class: `ak-section-message ak-sm-${appearance}`, role: 'region' },
      str(n.props.title) ? h('h5', { class: 'ak-sm-title' }, str(n.props.title)) : null,
      h('div', { class: 'ak-sm-body' }, ...n.children.filter((c) => c.type !== 'SectionMessageAction').map((c) => renderNode(c, ctx))),
      actions.length ? h('div', { class: 'ak-inline' }, ...actions.map((a) => renderNode(a, ctx))) : null);
  },
  SectionMessageAction: (n, ctx) => {
    if (str(n.props.href)) return h('a', { class: 'ak-link', href: str(n.props.href) }, ...kids(n, ctx));
    const b = h('button', { type: 'button', class: 'ak-link-btn' }, ...kids(n, ctx));
    on(b, 'click', () => call(ctx, fn(n.props.onClick), { type: 'click' }));
    return b;
  },
  Spinner: (n) => h('span', { class: `ak-spinner ak-spinner-${str(n.props.size) ?? 'medium'}`, role: 'status', 'aria-label': str(n.props.label) ?? 'Loading' }),
  ProgressBar: (n) => {
    const value = typeof n.props.value === 'number' ? Math.max(0, Math.min(1, n.props.value)) : 0;
    const fill = h('div', { class: `ak-progress-fill${n.props.isIndeterminate ? ' ak-indeterminate' : ''}` });
    fill.style.width = n.props.isIndeterminate ? '30%' : `${value * 100}%`;
    return h('div', { class: `ak-progress ak-progress-${str(n.props.appearance) ?? 'default'}`, role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 1, 'aria-valuenow': n.props.isIndeterminate ? undefined : value, 'aria-label': str(n.props.ariaLabel) }, fill);
  },
  ProgressTracker: (n) => {
    const items = Array.isArray(n.props.items) ? (n.props.items as Array<{ id: string; label: string; status: string }>) : [];
    return h('ol', { class: 'ak-tracker' }, ...items.map((i) => h('li', { class: `ak-stage-${i.status}` }, i.label)));
  },
  EmptyState: (n) => h('div', { class: 'ak-empty-state' },
    h(`h${typeof n.props.headingLevel === 'number' ? n.props.headingLevel : 4}`, {}, str(n.props.header) ?? ''),
    textProp(n.props.description) ? h('p', { class: 'ak-subtle' }, textProp(n.props.description)) : null),
  ErrorMessage: (n, ctx) => h('div', { class: 'ak-msg ak-error-text' }, '⚠ ', ...kids(n, ctx)),
  HelperMessage: (n, ctx) => h('div', { class: 'ak-msg ak-subtle' }, ...kids(n, ctx)),
  ValidMessage: (n, ctx) => h('div', { class: 'ak-msg ak-valid-text' }, '✓ ', ...kids(n, ctx)),
  RequiredAsterisk: () => h('span', { class: 'ak-error-text', 'aria-hidden': 'true' }, ' *'),
  Label: (n, ctx) => h('label', { class: 'ak-label', for: str(n.props.labelFor) }, ...kids(n, { ...ctx, inline: true })),
  Form: (n, ctx) => {
    const form = h('form', { class: 'ak-form', novalidate: true }, ...kids(n, ctx));
    on(form, 'submit', (e) => {
      e.preventDefault();
      call(ctx, fn(n.props.onSubmit), { preventDefault() {}, persist() {} });
    });
    return form;
  },
  FormHeader: (n, ctx) => h('div', { class: 'ak-form-header' }, str(n.props.title) ? h('h3', {}, str(n.props.title)) : null, ...kids(n, ctx)),
  FormSection: (n, ctx) => h('div', { class: 'ak-stack ak-form-section' }, ...kids(n, ctx)),
  FormFooter: (n, ctx) => h('div', { class: 'ak-form-footer' }, ...kids(n, ctx)),
  Textfield: (n, ctx) => textInput(n, ctx, false),
  TextArea: (n, ctx) => textInput(n, ctx, true),
  Checkbox: (n, ctx) => checkable(n, ctx, false),
  Toggle: (n, ctx) => checkable(n, ctx, true),
  RadioGroup: radioGroup,
  Select: select,
  Range: (n, ctx) => {
    const p = n.props;
    const el = h('input', { type: 'range', min: str(p.min) ?? 0, max: str(p.max) ?? 100, step: str(p.step) ?? 1, 'data-fkey': n.key, disabled: p.isDisabled === true }) as HTMLInputElement;
    el.value = str(p.value) ?? str(ctx.host.state.get(n.key)) ?? str(p.defaultValue) ?? '0';
    on(el, 'input', () => {
      ctx.host.state.set(n.key, el.value);
      call(ctx, fn(p.onChange), Number(el.value));
    });
    return el;
  },
  DatePicker: (n, ctx) => pickerInput(n, ctx, 'date'),
  TimePicker: (n, ctx) => pickerInput(n, ctx, 'time'),
  Tabs: tabs,
  TabList: (n, ctx) => h('div', { class: 'ak-tablist' }, ...kids(n, ctx)),
  Tab: (n, ctx) => h('span', { class: 'ak-tab' }, ...kids(n, ctx)),
  TabPanel: (n, ctx) => h('div', { class: 'ak-tabpanel' }, ...kids(n, ctx)),
  DynamicTable: dynamicTable,
  List: (n, ctx) => h(n.props.type === 'ordered' ? 'ol' : 'ul', { class: 'ak-list' }, ...kids(n, ctx)),
  ListItem: (n, ctx) => h('li', {}, ...kids(n, { ...ctx, inline: true })),
  Image: (n) => h('img', { src: str(n.props.src), alt: str(n.props.alt) ?? '', width: str(n.props.width), height: str(n.props.height), class: 'ak-image' }),
  Icon: (n) => h('span', { class: 'ak-icon', role: 'img', 'aria-label': str(n.props.label), title: str(n.props.label) }, glyph(str(n.props.glyph))),
  Tooltip: (n, ctx) => h('span', { class: 'ak-tooltip', title: textProp(n.props.content) }, ...kids(n, ctx)),
  ModalTransition: (n, ctx) => h('div', { class: 'ak-contents' }, ...kids(n, ctx)),
  Modal: modal,
  ModalHeader: (n, ctx) => h('div', { class: 'ak-modal-header' }, ...kids(n, ctx)),
  ModalTitle: (n, ctx) => h('h2', { class: `ak-modal-title${n.props.appearance ? ` ak-${str(n.props.appearance)}` : ''}` }, ...kids(n, { ...ctx, inline: true })),
  ModalBody: (n, ctx) => h('div', { class: 'ak-modal-body' }, ...kids(n, ctx)),
  ModalFooter: (n, ctx) => h('div', { class: 'ak-modal-footer' }, ...kids(n, ctx)),
  Popup: (n, ctx) => {
    const content = wrapper(n, 'content');
    const trigger = wrapper(n, 'trigger');
    return h('span', { class: 'ak-popup-anchor' }, trigger ? h('span', {}, ...kids(trigger, ctx)) : null,
      n.props.isOpen && content ? h('div', { class: 'ak-popup', role: str(n.props.role) ?? 'dialog' }, ...kids(content, ctx)) : null);
  },
  Comment: comment,
  FileCard: fileCard,
  User: (n, ctx) => {
    const id = str(n.props.accountId) ?? '';
    const name = ctx.host.users[id] ?? id;
    return h('span', { class: 'ak-user', 'data-account-id': id },
      h('span', { class: 'ak-avatar ak-avatar-small' }, name.split(/\s+/).map((w) => w[0] ?? '').join('').slice(0, 2).toUpperCase()),
      n.props.hideDisplayName ? null : h('span', {}, name));
  },
  UserGroup: (n, ctx) => h('span', { class: 'ak-inline' }, ...kids(n, ctx)),
  Breadcrumbs: (n, ctx) => h('nav', { class: 'ak-breadcrumbs', 'aria-label': 'Breadcrumbs' }, ...kids(n, ctx)),
  BreadcrumbsItem: (n, ctx) => {
    const a = h('a', { href: str(n.props.href) ?? '#', class: 'ak-link' }, str(n.props.text) ?? '');
    if (fn(n.props.onClick)) on(a, 'click', (e) => {
      e.preventDefault();
      call(ctx, fn(n.props.onClick), { type: 'click' });
    });
    return a;
  },
  Pagination: (n, ctx) => {
    const p = n.props;
    const pages = Array.isArray(p.pages) ? p.pages : [];
    const kept = ctx.host.state.get(n.key);
    const index = typeof p.selectedIndex === 'number' ? p.selectedIndex : typeof kept === 'number' ? kept : typeof p.defaultSelectedIndex === 'number' ? p.defaultSelectedIndex : 0;
    return pager(pages.length, index + 1, (page) => {
      if (typeof p.selectedIndex !== 'number') {
        ctx.host.state.set(n.key, page - 1);
        ctx.host.redraw();
      }
      call(ctx, fn(p.onChange), { type: 'click' }, pages[page - 1]);
    });
  },
  AdfRenderer: (n, ctx) => adfNode(n.props.document, ctx),
};

function pickerInput(n: ForgeNode, ctx: Ctx, type: 'date' | 'time'): HTMLElement {
  const p = n.props;
  const el = h('input', { type, class: 'ak-field', 'data-fkey': n.key, disabled: p.isDisabled === true, id: str(p.id), name: str(p.name) }) as HTMLInputElement;
  el.value = initialValue(n, ctx);
  on(el, 'change', () => {
    ctx.host.state.set(n.key, el.value);
    call(ctx, fn(p.onChange), el.value);
  });
  return el;
}

const GLYPHS: Record<string, string> = {
  add: '+', 'check-circle': '✓', check: '✓', cross: '✕', 'cross-circle': '✕', download: '⤓', upload: '⤒', error: '⚠',
  warning: '⚠', info: 'ℹ', 'editor-info': 'ℹ', refresh: '↻', search: '⌕', comment: '💬', page: '📄', lock: '🔒',
  'lock-filled': '🔒', link: '🔗', 'chevron-down': '▾', 'chevron-right': '▸', 'chevron-up': '▴', 'chevron-left': '◂',
  'arrow-right': '→', 'arrow-left': '←', copy: '⧉', export: '⇪', database: '🗄', calendar: '📅', attachment: '📎',
};
const glyph = (name: string | undefined): string => (name ? GLYPHS[name] ?? '◆' : '◆');

export function renderNode(n: ForgeNode, ctx: Ctx): Node {
  const render = RENDERERS[n.type];
  const el = render ? render(n, ctx) : placeholder(n, ctx);
  const testId = str(n.props.testId);
  if (testId && el instanceof HTMLElement && !el.hasAttribute('data-testid')) el.setAttribute('data-testid', testId);
  if (el instanceof HTMLElement) el.dataset.ui = n.type;
  return el;
}

export function renderDoc(doc: ForgeNode, host: RenderHost): Node {
  return renderNode(doc, { host, inline: false });
}
