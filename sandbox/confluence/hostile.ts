// The hostile site (issue 21): one space, HOSTILE, whose pages hold what an editor, or a user who
// only sets their own display name, can put where an export copies it: page text, headings, table
// cells, titles (the root's too), page properties, mention names, attachment file names, image alt
// text, link texts and URLs, macro parameters, code. Each payload carries a tag, so a build log, a
// sentinel file or a test failure names the exact place it came from. Every page is valid ADF, built
// with the same builders as the seed (./adf), and served as ADF and storage like any other page.
//
// The payloads are what each export target would execute or render if the text went out unescaped:
// - Docusaurus compiles `.md` as MDX by default: `{…}` expressions and `export`/`import` lines run
//   at build time (the `exec` payload touches HOSTILE.sentinel(tag), which CI checks is absent).
// - MkDocs' Python-Markdown passes raw HTML through, and the preset's `attr_list` turns `{: … }`
//   into attributes.
// - Obsidian reads `%%…%%` as a comment, `#word` as a tag and `[[…]]` as a link.
import * as a from './adf';
import type { AdfNode } from './adf';
import { SEED } from './seed';
import { Site, fileIdFor } from './site';

/** Where the `exec` payloads write: a file per tag, so a build that ran one says which. */
const SENTINEL_PREFIX = '/tmp/ct-hostile-ran.';

export const HOSTILE = {
  space: { id: '98400', key: 'HOSTILE' },
  /** Users whose display names are payloads (each sets only their own profile): code, markup. */
  mallory: '712020:3a110000-0000-4ma1-9e00-000000000009',
  trudy: '712020:7a0d0000-0000-4t2d-9e00-00000000000a',
  pages: {
    root: '70000',
    text: '70001',
    markup: '70009',
    properties: '70002',
    mentions: '70003',
    media: '70004',
    links: '70005',
    macros: '70006',
    code: '70007',
    obsidian: '70008',
    shipped: '70010',
    con: '70011',
    nul: '70012',
    readmeLower: '70013',
    readmeUpper: '70014',
    cafeNfc: '70015',
    cafeNfd: '70016',
    exportLine: '70017',
  },
  attachments: { image: 'att270001', file: 'att270002', script: 'att270003' },
  sentinelPrefix: SENTINEL_PREFIX,
  /** Prefix of the sentinel an `exec` payload without a slash (file names) writes, relative to the build's cwd. */
  relativeSentinelPrefix: 'ct-hostile-ran.',
  sentinel: (tag: string): string => `${SENTINEL_PREFIX}${tag}`,
} as const;

/** An MDX expression that runs a shell command during a Docusaurus build (the issue's payload). */
export const exec = (tag: string, path = HOSTILE.sentinel(tag)): string =>
  `{globalThis.process?.getBuiltinModule?.('child_process').execSync('touch ${path}')}`;
export const img = (tag: string): string => `<img src=x onerror=alert('${tag}')>`;
export const svg = (tag: string): string => `<svg onload=alert('${tag}')>`;
export const script = (tag: string): string => `<script>alert('${tag}')</script>`;
/** Python-Markdown attr_list: an attribute list at the end of a heading or block. */
export const attrList = (tag: string): string => `{: onmouseover=alert('${tag}') }`;
/** Obsidian syntax: a comment that hides text, a tag, a wiki link. */
export const obsidian = (tag: string): string => `%%hidden-${tag}%% #tag-${tag} [[link-${tag}]]`;
/**
 * Each place a hostile value sits, by page: the value as Confluence holds it. The export of that
 * page must still show the text of each (escaped, not dropped); test/jobs/hostile-site.test.ts
 * checks it for every preset.
 */
export const HOSTILE_VALUES: Record<keyof typeof HOSTILE.pages, string[]> = {} as Record<keyof typeof HOSTILE.pages, string[]>;
const put = (page: keyof typeof HOSTILE.pages, ...values: string[]): string[] => {
  (HOSTILE_VALUES[page] ??= []).push(...values);
  return values;
};

/** Titles; the root's is hostile too (it names the export's folder and the site). */
export const HOSTILE_TITLES: Record<keyof typeof HOSTILE.pages, string> = {
  root: `Hostile root ${exec('root-title')} ${img('root-title')} ${attrList('root-title')}`,
  text: `Text ${exec('title')}`,
  markup: `Markup ${script('title')}`,
  properties: 'Page properties',
  mentions: 'Mentions',
  media: 'Attachments & images',
  links: 'Links',
  macros: 'Macro parameters',
  code: 'Code',
  obsidian: 'Obsidian syntax %%hidden-title%% #tag-title [[link-title]]',
  shipped: 'We shipped it!',
  con: 'CON',
  nul: '_nul',
  readmeLower: 'Readme',
  readmeUpper: 'README',
  cafeNfc: 'Caf\u00e9',
  cafeNfd: 'Cafe\u0301',
  exportLine: 'export const title = 1',
};

/** Page properties (a `details` macro): keys that are options of the target tools. */
export const HOSTILE_PROPERTIES: Array<[string, string]> = [
  ['custom_edit_url', 'javascript:alert(document.domain)'],
  ['draft', 'true'],
  ['template', 'hostile-template.html'],
  ['toc_max_heading_level', '99'],
  ['Keywords', 'release'],
  ['slug', '/hijacked-slug'],
  ['sidebar_position', 'not-a-number'],
  ['Owner', exec('property')],
];

const PNG = Uint8Array.from(Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));

/** A script attachment that an `import` line of the page would bundle. */
export const HOSTILE_SCRIPT = {
  name: 'payload.js',
  text: `globalThis.process?.getBuiltinModule?.('child_process').execSync('touch ${HOSTILE.sentinel('import-line')}');\nexport default 1;\n`,
};

/** Attachment names a user may upload (no `/`: the exec payload writes relative to the build's cwd). */
export const HOSTILE_FILES = {
  image: `${exec('attachment-image', `${HOSTILE.relativeSentinelPrefix}attachment-image`)} ${svg('attachment-image')}.png`,
  file: `${img('attachment-file')} %%x%% [[y]] #z.txt`,
};

// Code and markup payloads sit on different pages: a page that does not compile as MDX stops the
// whole Docusaurus build before any code runs, so a page mixing both would hide the code.

/** Code only: each place text goes, with an MDX expression that runs a command. */
const textDoc = (): a.AdfDoc => a.doc(
  a.h(1, ...put('text', `Heading ${exec('heading')}`)),
  a.h(2, ...put('text', `Second heading ${exec('heading-2')}`)),
  a.p(...put('text', `paragraph: ${exec('paragraph')} ${obsidian('paragraph')}`)),
  a.p(...put('text', exec('bold')).map((t) => a.text(t, a.strong)), ' after ', ...put('text', exec('italic')).map((t) => a.text(t, a.em))),
  a.table(['Column', ...put('text', `Header ${exec('header-cell')}`)],
    ['Row', ...put('text', exec('cell'))],
    ['Pipe', ...put('text', `a | b ${exec('cell-pipe')} \\| c`)]),
  a.ul(put('text', exec('list'))),
  a.quote(a.p(...put('text', exec('quote')))),
  a.panel('warning', a.p(...put('text', exec('panel')))),
);

/** Markup only: raw HTML, attribute lists, and text that looks escaped already. */
const markupDoc = (): a.AdfDoc => a.doc(
  a.h(1, ...put('markup', `Heading ${img('heading')}`)), a.p(...put('markup', attrList('heading-next-line'))),
  a.h(2, ...put('markup', `Heading with an attribute list ${attrList('heading')}`)),
  a.p(...put('markup', `paragraph: ${img('paragraph')} ${svg('paragraph')} ${script('paragraph')} ${attrList('paragraph')}`)),
  a.p(...put('markup', script('paragraph-alone'))),
  a.p(...put('markup', img('bold')).map((t) => a.text(t, a.strong)), ' after ', ...put('markup', svg('italic')).map((t) => a.text(t, a.em))),
  a.table(['Column', ...put('markup', `Header ${script('header-cell')}`)],
    ['Row', ...put('markup', `${svg('cell')} ${script('cell')}`)],
    ['Pipe', ...put('markup', `a | b ${img('cell-pipe')} \\| c`)]),
  a.ul(put('markup', img('list'))),
  a.quote(a.p(...put('markup', svg('quote')))),
  a.panel('warning', a.p(...put('markup', script('panel')))),
  a.p('Mentioned: ', a.mention(HOSTILE.trudy, put('markup', HOSTILE_USERS.trudy)[0] ?? '')),
  a.p(...put('markup', 'Entities: &lt;script&gt; &amp;lt; &#123; \\{ and a backslash \\')), // already-escaped text stays literal
);

/**
 * A paragraph that starts with `export`/`import` is an ESM statement in MDX, run at build time. The
 * import names the page's own attachment (HOSTILE_SCRIPT): any editor can upload one, and webpack
 * bundles and runs it.
 */
const exportDoc = (): a.AdfDoc => a.doc(
  a.p(...put('exportLine', `export const pwned = globalThis.process?.getBuiltinModule?.('child_process').execSync('touch ${HOSTILE.sentinel('export-line')}')`)),
  a.p(...put('exportLine', `import hostileImport from './_attachments/${HOSTILE_SCRIPT.name}'`)),
  a.p('Text after the statements.'),
);

const propertiesDoc = (): a.AdfDoc => {
  put('properties', ...HOSTILE_PROPERTIES.flat());
  const [first, ...rest] = HOSTILE_PROPERTIES.map(([k, v]) => [k, v]);
  return a.doc(
    a.p('The table below is a page properties (details) macro: its rows become the page\u2019s properties.'),
    a.bodiedMacro('details', {}, 'mac-hostile-props', a.table(first ?? [], ...rest)),
  );
};

/** Display names as Confluence returns them; the mention node's own text is a stale copy. */
export const HOSTILE_USERS = {
  mallory: `Mallory ${exec('mention')} ${obsidian('mention')}`,
  trudy: `Trudy ${img('mention')} ${attrList('mention')}`,
};
const mentionsDoc = (): a.AdfDoc => {
  put('mentions', HOSTILE_USERS.mallory);
  return a.doc(
    a.p('Owner: ', a.mention(HOSTILE.mallory, HOSTILE_USERS.mallory), '.'),
    a.h(2, 'Mentioned in a heading: ', a.mention(HOSTILE.mallory, HOSTILE_USERS.mallory)),
    a.table(['Who'], [{ text: [a.mention(HOSTILE.mallory, HOSTILE_USERS.mallory)] }]),
  );
};

const mediaDoc = (): a.AdfDoc => {
  const image: a.MediaRef = { fileId: fileIdFor(HOSTILE.attachments.image), pageId: HOSTILE.pages.media, filename: HOSTILE_FILES.image, width: 1, height: 1 };
  const file: a.MediaRef = { fileId: fileIdFor(HOSTILE.attachments.file), pageId: HOSTILE.pages.media, filename: HOSTILE_FILES.file };
  // The image's alt text (ADF `alt`) differs from its file name: an editor sets it in the editor.
  const alt = `x" onerror="alert('alt') ${exec('alt')} ](javascript:alert('alt'))`;
  const single = a.mediaSingle(image);
  const media = single.content?.[0];
  if (media?.attrs) media.attrs['alt'] = alt;
  put('media', alt, HOSTILE_FILES.file);
  return a.doc(a.p('An image and a file whose names are payloads.'), single, a.mediaGroup(file));
};

const linksDoc = (): a.AdfDoc => {
  const to = (label: string, href: string): AdfNode => a.text(label, a.link(href));
  return a.doc(
    a.p(to(put('links', `link text ${exec('link-text')} ${img('link-text')}`)[0] ?? '', 'https://example.com/ok')),
    a.p(to(put('links', 'javascript link')[0] ?? '', 'javascript:alert(document.domain)')),
    a.p(to(put('links', 'mixed case javascript link')[0] ?? '', 'JaVaScRiPt:alert(document.cookie)')),
    a.p(to(put('links', 'data link')[0] ?? '', 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==')),
    a.p(to(put('links', 'link with a quote')[0] ?? '', 'https://example.com/"onmouseover="alert(1)')),
    a.p('Card: ', a.inlineCard('javascript:alert(document.domain)')),
    a.blockCard('data:text/html,<script>alert(1)</script>'),
  );
};

/**
 * Macro parameters. Those a reader sees (a Jira key, an expand's title, a status) are in
 * HOSTILE_VALUES; the others (an unknown macro's parameters, an anchor's name, a sort order) are not
 * shown by an export, but must not run or land as markup either.
 */
const macrosDoc = (): a.AdfDoc => a.doc(
  a.macro('mystery-widget', { p0: `${exec('macro-param')} ${script('macro-param')}`, p1: attrList('macro-param') }, 'mac-hostile-unknown'),
  a.macro('jira', { key: put('macros', `DEMO-1 ${img('jira')}`)[0] ?? '', server: 'System Jira' }, 'mac-hostile-jira'),
  a.macro('anchor', { '': `anchor ${exec('anchor')} ${img('anchor')}` }, 'mac-hostile-anchor'),
  a.expand(put('macros', `Expand ${exec('expand')} ${script('expand')}`)[0] ?? '', a.p('Inside.')),
  a.p('Status: ', a.status(put('macros', `ST ${exec('status')} ${img('status')}`)[0] ?? '', 'red', 'st-hostile')),
  a.macro('children', { sort: `title ${svg('children')}` }, 'mac-hostile-children'),
);

const codeDoc = (): a.AdfDoc => a.doc(
  a.p('Inline: ', ...put('code', `${exec('inline-code')} \`${script('inline-code')}`).map((t) => a.text(t, a.code)), '.'),
  a.codeBlock(put('code', `js ${attrList('code-language')}`)[0] ?? null,
    put('code', `\`\`\`\n</code></pre>${script('code')}\n${exec('code')}\nexport const y = 1\n~~~\n`)[0] ?? ''),
);

const obsidianDoc = (): a.AdfDoc => a.doc(
  a.p(...put('obsidian', obsidian('paragraph-obsidian'))),
  a.p(...put('obsidian', '#tag-at-start and ![[embed-hostile]] and %% an open comment')),
  a.h(2, ...put('obsidian', `#heading-tag ${obsidian('heading-obsidian')}`)),
);

const simple = (title: string, ...more: AdfNode[]): a.AdfDoc => a.doc(a.p(`Text of ${title}.`), ...more);

const rootDoc = (): a.AdfDoc => a.doc(
  a.h(1, ...put('root', `Root heading ${exec('root-heading')}`)),
  a.p(...put('root', `root-paragraph: ${exec('root-paragraph')} ${obsidian('root-paragraph')}`)),
  a.macro('children', {}, 'mac-hostile-root-children'),
);

/** Built once, so HOSTILE_VALUES lists each value once; each site gets its own copy. */
const DOCS = {
  root: rootDoc(), text: textDoc(), markup: markupDoc(), properties: propertiesDoc(), mentions: mentionsDoc(), media: mediaDoc(),
  links: linksDoc(), macros: macrosDoc(), code: codeDoc(), obsidian: obsidianDoc(), exportLine: exportDoc(),
};
for (const key of Object.keys(HOSTILE_TITLES) as Array<keyof typeof HOSTILE.pages>) put(key, HOSTILE_TITLES[key]);

export function hostileSite(): Site {
  const site = new Site({ firstId: 500000 });
  site.addUser({ accountId: SEED.users.alice, displayName: 'Alice Author', email: 'alice@example.com', accountType: 'atlassian' });
  site.addUser({ accountId: SEED.users.bob, displayName: 'Bob Builder', email: 'bob@example.com', accountType: 'atlassian' });
  site.addUser({ accountId: SEED.users.carol, displayName: 'Carol Newcomer', email: 'carol@example.com', accountType: 'atlassian' });
  site.addUser({ accountId: HOSTILE.mallory, displayName: HOSTILE_USERS.mallory, email: 'mallory@example.com', accountType: 'atlassian' });
  site.addUser({ accountId: HOSTILE.trudy, displayName: HOSTILE_USERS.trudy, email: 'trudy@example.com', accountType: 'atlassian' });
  const sp = HOSTILE.space.id;
  const P = HOSTILE.pages;
  const T = HOSTILE_TITLES;
  site.addSpace({ id: sp, key: HOSTILE.space.key, name: 'Hostile space', authorId: SEED.users.alice, homepageId: P.root });
  const page = (key: keyof typeof P, parentId: string | null, body: a.AdfDoc = simple(T[key])): void => {
    site.addPage({ id: P[key], parentId, title: T[key], spaceId: sp, authorId: HOSTILE.mallory, adf: body });
  };
  for (const key of ['root', 'text', 'markup', 'properties', 'mentions', 'media', 'links', 'macros', 'code', 'obsidian', 'exportLine'] as const) {
    page(key, key === 'root' ? null : P.root, structuredClone(DOCS[key]));
  }
  // Names that break file systems or tools: `!` (webpack loaders), Windows device names, and
  // siblings that differ only by case or Unicode normalisation (one file on macOS and Windows).
  for (const key of ['shipped', 'con', 'nul', 'readmeLower', 'readmeUpper', 'cafeNfc', 'cafeNfd'] as const) {
    page(key, P.root);
  }
  site.addAttachment({ id: HOSTILE.attachments.image, pageId: P.media, title: HOSTILE_FILES.image, mediaType: 'image/png', bytes: PNG, authorId: HOSTILE.mallory });
  site.addAttachment({ id: HOSTILE.attachments.file, pageId: P.media, title: HOSTILE_FILES.file, mediaType: 'text/plain', bytes: Uint8Array.from(Buffer.from('hostile\n')), authorId: HOSTILE.mallory });
  site.addAttachment({ id: HOSTILE.attachments.script, pageId: P.exportLine, title: HOSTILE_SCRIPT.name, mediaType: 'text/javascript', bytes: Uint8Array.from(Buffer.from(HOSTILE_SCRIPT.text)), authorId: HOSTILE.mallory });
  return site;
}
