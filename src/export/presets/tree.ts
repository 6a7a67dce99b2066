/**
 * The tree job's side of presets: which preset a job uses, the hooks each page's conversion gets
 * (page properties into front matter, report markers, rewrites), and what the zip phase adds
 * (report tables from every exported page's properties, MkDocs and Docusaurus files).
 */
import type { Handler, Handlers } from '../adf';
import { nodeHandlers } from '../adf';
import { macroParams } from '../adf/macros';
import { attrString } from '../adf/types';
import type { RenderContext } from '../service';
import type { ReportEntry } from '../report';
import { isExported, type TreeNode } from '../tree/plan';
import type { ExportOptions } from '../../shared/export';
import type { Page } from '../../confluence/types';
import { presetOf, type Preset, type TreePlace } from './index';
import { pageProperties, reportQuery, type Properties, type ReportQuery } from './properties';
import { resolveHref, rewriteTree, wikilink } from './rewrite';
import { brokenRefs, hasMarker, pageAnchors, resolveRefs, type PageAnchors } from '../refs';
import type { MarkdownOptions } from '../markdown';
import { docusaurusSegment, nameKey, uniqueName } from '../names';
import { navTitle, propertiesTable, REPORT_MARKER, reportMarker, siteFiles, treePlaces, type PropertyRow, type SiteFile } from './site';

/** What a page's conversion hands to the zip phase. */
export interface PresetOutput {
  properties?: Properties;
  reports?: ReportQuery[];
  /** The page's headings and anchor macros as the output names them (links to them resolve at zip time). */
  anchors?: PageAnchors;
}

export interface PagePreset {
  /** Options for this page's Markdown conversion. */
  markdown(page: Page): NonNullable<RenderContext['markdown']>;
  /** Properties and reports met while converting (call after the conversion). */
  output(): PresetOutput;
  /** Takes the converted page's headings (any format), for links from other pages. */
  onAnchors: NonNullable<MarkdownOptions['onAnchors']>;
}

export interface PresetRun {
  preset: Preset;
  /** The job's nodes, their folders under the preset's root. */
  nodes: TreeNode[];
  places: Map<string, TreePlace>;
  /** Items whose folder the preset's `segment` rule renamed (for the fidelity report). */
  renamed: ReadonlySet<string>;
  /** The page file of a folder; `index.<ext>` (reserved, never a folder) when a child folder has the preset's name. */
  pageFile(dir: string, ext: string): string;
  page(o: { id: string; title: string; file: string; attachments: readonly string[]; fileOf: ReadonlyMap<string, string>; linkRewrite?: (href: string) => string | undefined }): PagePreset;
}

/** Each exported page's file (page id -> path), in tree order: what the zip and its links use. */
export function pageFiles(look: Pick<PresetRun, 'nodes' | 'pageFile'>, ext: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of look.nodes) if (isExported(n.type)) out.set(n.id, look.pageFile(n.dir, ext));
  return out;
}

export function presetRun(options: ExportOptions, stored: readonly TreeNode[]): PresetRun {
  // Presets shape Markdown; other formats keep the generic layout.
  const preset = presetOf(options.format === 'md' ? options.preset : undefined);
  const rooted = preset.root ? stored.map((n) => ({ ...n, dir: `${preset.root}/${n.dir}` })) : [...stored];
  const nodes = preset.segment ? withoutUnderscores(rooted, preset.segment) : rooted;
  const renamed = new Set(nodes.filter((n, i) => n !== rooted[i]).map((n) => n.id));
  const places = treePlaces(nodes);
  // The set of page files, built once per job run (not once per page: trees have 10,000s of pages).
  const pageFiles = new WeakMap<ReadonlyMap<string, string>, ReadonlySet<string>>();
  const filesOf = (fileOf: ReadonlyMap<string, string>): ReadonlySet<string> => {
    let set = pageFiles.get(fileOf);
    if (!set) pageFiles.set(fileOf, (set = new Set(fileOf.values())));
    return set;
  };
  const dirs = new Set(nodes.map((n) => n.dir));
  // Page id by file, once per job run, for addresses built from the tree's slugs (Docusaurus).
  const pageIds = new WeakMap<ReadonlyMap<string, string>, ReadonlyMap<string, string>>();
  const idsOf = (fileOf: ReadonlyMap<string, string>): ReadonlyMap<string, string> => {
    let map = pageIds.get(fileOf);
    if (!map) pageIds.set(fileOf, (map = new Map([...fileOf].map(([id, file]) => [file, id]))));
    return map;
  };
  return {
    preset,
    nodes,
    renamed,
    places,
    pageFile(dir, ext) {
      // Obsidian's `Foo/Foo.md` would clash with a child page titled "Foo.md" (its folder).
      const file = preset.pageFile(dir, ext);
      return dirs.has(file) ? `${dir}/index.${ext}` : file;
    },
    page(o) {
      const fields: Readonly<Record<string, unknown>> = { ...(preset.fields?.(places.get(o.id) ?? { slug: '/', position: 1 }) ?? {}) };
      let properties: Properties | undefined;
      // The object front matter reads once the conversion filled `properties`.
      const frontProperties = Object.create(null) as Record<string, unknown>;
      const reports: ReportQuery[] = [];
      const files = filesOf(o.fileOf);
      const exists = (path: string): boolean => files.has(path) || o.attachments.includes(path);
      // An exported page's link as a property value: Obsidian wants it as a wikilink.
      const rewrite = (href: string): string | undefined => {
        const local = o.linkRewrite?.(href);
        if (local === undefined || preset.name !== 'obsidian') return local;
        const at = resolveHref(o.file, local);
        return at && exists(at.path) ? wikilink(at.path, '', false) : local;
      };
      // What the verifier must find for a link: the wikilink's target once Obsidian rewrote it.
      const verifyHref = (href: string): string | undefined => {
        const local = o.linkRewrite?.(href);
        const at = local === undefined ? undefined : resolveHref(o.file, local);
        return at && exists(at.path) ? at.path.replace(/\.md$/, '') : local;
      };
      // A link in raw HTML (a table that needs HTML) as the site generator serves the page.
      const htmlHref = (href: string): string | undefined => {
        const at = resolveHref(o.file, href);
        if (!at || !files.has(at.path)) return undefined;
        const hash = at.hash ? `#${at.hash}` : '';
        if (preset.name === 'mkdocs') return at.path.endsWith('/index.md') ? `${href.slice(0, href.length - hash.length).replace(/index\.md$/, '')}${hash}` : undefined;
        const to = places.get(idsOf(o.fileOf).get(at.path) ?? '')?.slug;
        const from = places.get(o.id)?.slug;
        return to !== undefined && from !== undefined ? `${relativeUrl(from, to)}${hash}` : undefined;
      };
      const details: Handler = (state, node, parent) => {
        if (attrString(node, 'extensionKey') !== 'details') return nodeHandlers.bodiedExtension?.(state, node, parent);
        const found = pageProperties(node, { sep: preset.keySep, rewrite, pageId: o.id });
        for (const e of found.report) state.report(e.kind, e.what, e.detail);
        // Filled during conversion: the front matter is written after it (see adfToMarkdown), with
        // the properties under their own key, never beside the tool's options (../frontmatter).
        properties ??= Object.create(null) as Properties;
        for (const [k, v] of Object.entries(found.properties)) {
          if (Object.hasOwn(properties, k)) continue;
          properties[k] = v;
          frontProperties[k] = v;
        }
        // The table stays on the page too, as Confluence shows it.
        return state.blocks(node);
      };
      const summary: Handler = (state, node, parent) => {
        if (attrString(node, 'extensionKey') !== 'detailssummary') return nodeHandlers.extension?.(state, node, parent);
        reports.push(reportQuery(macroParams(node)));
        return { type: 'html', value: reportMarker(reports.length - 1) };
      };
      const handlers: Partial<Handlers> = { bodiedExtension: details, extension: summary };
      let anchors: PageAnchors | undefined;
      let titled = false;
      const onAnchors: NonNullable<MarkdownOptions['onAnchors']> = (headings, names) => {
        anchors = pageAnchors(o.title, headings, names, preset.slugs);
      };
      return {
        markdown: () => ({
          handlers,
          slugs: preset.slugs,
          onAnchors,
          extraFrontMatter: fields,
          properties: frontProperties,
          dialect: preset.dialect,
          // MkDocs Material prints `page.meta.title` and `page.meta.author` unescaped (no autoescape).
          ...(preset.name === 'mkdocs' ? { metaText: navTitle } : {}),
          ...(preset.name === 'obsidian' ? { verifyHref } : {}),
          ...(preset.tag ? { tag: (l: string) => preset.tag?.(l) } : {}),
          ...(preset.rewrite
            ? { rewrite: (tree, serialize) => rewriteTree(tree, { style: preset.rewrite!, file: o.file, exists, serialize, onTitle: () => (titled = true), ...(preset.name === 'mkdocs' || preset.name === 'docusaurus' ? { htmlHref } : {}) }) }
            : {}),
        }),
        onAnchors,
        output: () => {
          // Docusaurus shows a leading `# Title` as the page title, without an anchor: a link to it goes to the page.
          const first = anchors?.headings[0];
          if (titled && anchors && first) anchors.headings[0] = [first[0], ''];
          return {
            ...(properties ? { properties: { ...properties } } : {}),
            ...(reports.length > 0 ? { reports } : {}),
            ...(anchors && (anchors.headings.length > 0 || anchors.names.length > 0) ? { anchors } : {}),
          };
        },
      };
    },
  };
}

/**
 * Every folder name through the preset's `segment` rule (Docusaurus: ../names `docusaurusSegment`,
 * no leading `_`, no `!#?%`, no device name brought back), each still unique among its siblings
 * by case and normalisation. Nodes come parents first.
 */
export function withoutUnderscores(nodes: readonly TreeNode[], segment: (name: string) => string = docusaurusSegment): TreeNode[] {
  const split = (dir: string): [string, string] => {
    const cut = dir.lastIndexOf('/');
    return cut < 0 ? ['', dir] : [dir.slice(0, cut), dir.slice(cut + 1)];
  };
  const names = new Map<string, Set<string>>();
  for (const n of nodes) {
    const [parent, name] = split(n.dir);
    const set = names.get(parent) ?? new Set<string>();
    set.add(nameKey(name));
    names.set(parent, set);
  }
  const moved = new Map<string, string>();
  return nodes.map((n) => {
    const [parent, name] = split(n.dir);
    const to = moved.get(parent) ?? parent;
    const safe = segment(name);
    const renamed = safe === name ? name : uniqueName(names.get(parent) ?? new Set(), safe);
    const dir = to === '' ? renamed : `${to}/${renamed}`;
    if (dir === n.dir) return n;
    moved.set(n.dir, dir);
    return { ...n, dir };
  });
}

/**
 * Titles and names the preset could not carry as they are, for the fidelity report (issue 21): an
 * MkDocs nav title holding HTML characters (written as references: MkDocs' themes print nav titles
 * unescaped, see ./site `navTitle`) and a folder the preset renamed. Recomputed at every zip, so the
 * entries carry no `pageId` (an incremental export carries a page's own entries from its base); the
 * detail names the page by id.
 */
function namingNotes(look: PresetRun, nodes: readonly TreeNode[], exported: ReadonlySet<string>): ReportEntry[] {
  const notes: ReportEntry[] = [];
  for (const n of nodes) {
    if (!exported.has(n.id)) continue;
    if (look.preset.name === 'mkdocs' && /[<>&"']/.test(n.title)) {
      notes.push({ kind: 'approximated', what: 'title', detail: `The title of page ${n.id} holds characters HTML reads as markup: mkdocs.yml and its front matter hold them as character references (&lt; …), since MkDocs' themes print titles without escaping them.` });
    }
    if (look.renamed.has(n.id)) {
      notes.push({ kind: 'approximated', what: 'folder-name', detail: `The folder of page ${n.id} was renamed to "${n.dir.slice(n.dir.lastIndexOf('/') + 1)}" for ${look.preset.name}: Docusaurus skips folders starting with "_", webpack reads "!", "#", "?" and "%" in paths, and a name must not become a Windows device name. Its title is unchanged.` });
    }
  }
  return notes;
}

/** `to` relative to a page served at `from` (both URL paths such as `/demo-home/faq`). */
export function relativeUrl(from: string, to: string): string {
  const dir = from.split('/').slice(1, -1);
  const target = to.split('/').slice(1);
  let common = 0;
  while (common < dir.length && common < target.length - 1 && dir[common] === target[common]) common++;
  const up = dir.length - common;
  const rest = target.slice(common).join('/');
  return `${up > 0 ? '../'.repeat(up) : './'}${rest}`;
}

interface OutputPage {
  id: string;
  file: string;
  text: string;
  properties?: Properties;
  reports?: ReportQuery[];
  anchors?: PageAnchors;
  files?: ReadonlyArray<{ path: string; name?: string }>;
}

/**
 * The zip phase: `hold` says whether a page can go into the zip now (false: it holds a report, or
 * a link to another page's heading or file, kept until every page has been read); `finish` gives
 * the held pages with their tables and links, and the preset's extra files.
 */
export function presetZip(look: PresetRun, job: { root: { title: string }; siteUrl: string }, nodes: readonly TreeNode[], fileOf: ReadonlyMap<string, string>) {
  const titles = new Map(nodes.map((n) => [n.id, n.title]));
  const rows: PropertyRow[] = [];
  const held: OutputPage[] = [];
  const anchors = new Map<string, PageAnchors>();
  const attachments = new Map<string, Map<string, string>>();
  return {
    hold(p: OutputPage): boolean {
      if (p.properties && Object.keys(p.properties).length > 0) rows.push({ id: p.id, title: titles.get(p.id) || p.id, file: p.file, properties: p.properties });
      anchors.set(p.id, p.anchors ?? { title: '', headings: [], names: [] });
      const named = (p.files ?? []).filter((f) => f.name !== undefined);
      if (named.length > 0) attachments.set(p.id, new Map(named.map((f) => [f.name ?? '', f.path])));
      if ((!p.reports || p.reports.length === 0) && !hasMarker(p.text)) return true;
      held.push(p);
      return false;
    },
    finish(exported: ReadonlySet<string>, report: ReportEntry[]): SiteFile[] {
      const out: SiteFile[] = [];
      const files = new Set([...fileOf].filter(([id]) => exported.has(id)).map(([, f]) => f));
      for (const p of held) {
        const linked = resolveRefs(p.text, { from: p.file, anchors: (id) => anchors.get(id), attachment: (id, name) => attachments.get(id)?.get(name), final: true, siteUrl: job.siteUrl, vault: look.preset.name === 'obsidian' });
        if (linked.broken > 0) report.push(brokenRefs(p.id, linked.broken));
        const text = linked.text.replace(REPORT_MARKER, (_m, i: string) => {
          const q = p.reports?.[Number(i)] ?? { labels: [] };
          const { table, rows: count } = propertiesTable(rows, { from: p.file, obsidian: look.preset.name === 'obsidian', labels: q.labels, files, dialect: look.preset.dialect });
          const filter = [q.labels.length > 0 ? `label ${q.labels.map((l) => `"${l}"`).join(', ')}` : '', q.cql ? `CQL "${q.cql}"` : ''].filter((s) => s).join(' and ');
          report.push({
            kind: 'approximated',
            what: 'detailssummary',
            pageId: p.id,
            detail: `A Page Properties Report${filter ? ` (${filter})` : ''} became a table of the ${count} exported pages with page properties; pages outside this export are not in it${filter ? ', and its filter was not applied (the bulk page reads of an export return no labels, and reading them would take a request per page)' : ''}.`,
          });
          return count > 0 ? table : '*[Page Properties Report: no exported page has page properties]*';
        });
        out.push({ path: p.file, text });
      }
      out.push(...siteFiles(look.preset, job.root, nodes, new Map([...fileOf].filter(([id]) => exported.has(id))), look.places));
      report.push(...namingNotes(look, nodes, exported));
      return out;
    },
  };
}
