// The seed site: a small, fixed Confluence site that covers what the app must handle (deep tree,
// restricted page, every ADF node the exporter maps, all comment states, databases, attachments).
// Every id a test needs is named in SEED. Links inside pages use SITE_PLACEHOLDER_URL; the server
// rewrites them to its own URL when it starts (Site.rebase), as links on a real site point to it.
import * as a from './adf';
import type { AdfNode } from './adf';
import { Site, fileIdFor } from './site';

export const SEED = {
  users: {
    alice: '712020:a11ce000-0000-4a11-9e00-000000000001',
    bob: '712020:b0b00000-0000-4b0b-9e00-000000000002',
    /** Sees what Bob sees, but has not yet allowed the app to act for her (Forge consent). */
    carol: '712020:ca201000-0000-4ca2-9e00-000000000003',
  },
  /** Users the Forge platform treats as not having granted consent: their asUser() calls fail. */
  withoutConsent: ['712020:ca201000-0000-4ca2-9e00-000000000003'],
  space: { id: '98305', key: 'DEMO' },
  otherSpace: { id: '98306', key: 'OPS' },
  pages: {
    home: '65537',
    guide: '65600',
    chapter: '65601',
    section: '65602',
    install: '65603',
    /** Readable by both users; only Alice may edit it. */
    faq: '65604',
    rich: '65700',
    restricted: '65800',
    /** A child of the restricted page: hidden from Bob by inheritance. */
    restrictedChild: '65801',
    manyComments: '65900',
    dbHost: '66000',
    folderPage: '66101',
    opsHome: '67000',
  },
  folder: '66100',
  blog: '131073',
  database: '66001',
  databaseChild: '66002', // a whiteboard under the database
  restrictedDatabase: '66003',
  attachments: { image: 'att262145', pdf: 'att262146', text: 'att262147' },
  comments: {
    footerRoot: '327681',
    footerReply: '327682',
    footerReplyReply: '327683',
    footerRoot2: '327684',
    inlineOpen: '327701',
    inlineOpenReply: '327702',
    inlineResolved: '327703',
    inlineReopened: '327704',
    inlineDangling: '327705',
    inlineChanged: '327706',
    blogFooter: '327720',
    /** Root footer comment on the restricted page. */
    restrictedRoot: '327730',
    /** Its reply: GET /footer-comments/{id} answers 404 to Bob (he cannot see the page). */
    restrictedReply: '327731',
    /** First of 35 root footer comments on pages.manyComments (ids increase by one). */
    manyFirst: '327800',
  },
  markers: {
    open: 'a8e2c1d0-0001-4c6e-8f00-inline000001',
    resolved: 'a8e2c1d0-0002-4c6e-8f00-inline000002',
    reopened: 'a8e2c1d0-0003-4c6e-8f00-inline000003',
    dangling: 'a8e2c1d0-0004-4c6e-8f00-inline000004', // not in the page ADF
    changed: 'a8e2c1d0-0005-4c6e-8f00-inline000005', // page text changed since the comment
    orphan: 'a8e2c1d0-0006-4c6e-8f00-inline000006', // in the ADF, but no comment points to it
  },
  manyCommentsCount: 35,
  databasePropertyCount: 32,
} as const;

export const SITE_PLACEHOLDER_URL = 'https://sandbox.atlassian.net';

const U = SEED.users;
const P = SEED.pages;
const M = SEED.markers;

const pageUrl = (id: string, title: string): string =>
  `${SITE_PLACEHOLDER_URL}/wiki/spaces/DEMO/pages/${id}/${title.replace(/\s+/g, '+')}`;

// 1x1 transparent PNG.
const PNG = Uint8Array.from(Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'));

/** A minimal but well-formed one-page PDF (xref offsets computed, so readers accept it). */
function tinyPdf(line: string): Uint8Array {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${`BT /F1 12 Tf 20 50 Td (${line}) Tj ET`.length} >>\nstream\nBT /F1 12 Tf 20 50 Td (${line}) Tj ET\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n${offsets.map((n) => `${String(n).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Uint8Array.from(Buffer.from(out, 'latin1'));
}

function richDoc(): a.AdfDoc {
  const img: a.MediaRef = { fileId: fileIdFor(SEED.attachments.image), pageId: P.rich, filename: 'diagram.png', width: 1, height: 1 };
  const pdf: a.MediaRef = { fileId: fileIdFor(SEED.attachments.pdf), pageId: P.rich, filename: 'spec.pdf' };
  const txt: a.MediaRef = { fileId: fileIdFor(SEED.attachments.text), pageId: P.rich, filename: 'notes.txt' };
  const marks = (): AdfNode[] => [
    a.p(
      'Plain, ', a.text('bold', a.strong), ', ', a.text('italic', a.em), ', ', a.text('struck', a.strike), ', ',
      a.text('inline code', a.code), ', ', a.text('a link', a.link('https://example.com/docs?a=1&b=2')), ', ',
      a.text('underlined', a.underline), ', H', a.text('2', a.sub), 'O, E=mc', a.text('2', a.sup), ', ',
      a.text('red text', a.color('#ff5630')), ' and ', a.text('bold italic', a.strong, a.em), '.',
    ),
    a.p('Line one', a.br(), 'line two after a hard break.'),
  ];
  const lists = (): AdfNode[] => [
    a.ul(['First bullet'], a.li(a.p('Second bullet with a nested list'), a.ul(['Nested A'], a.li(a.p('Nested B'), a.ol(1, ['Deep one'])))), ['Third bullet']),
    a.ol(3, ['Third step'], ['Fourth step'], a.li(a.p('Fifth step'), a.ol(1, ['Sub-step a'], ['Sub-step b']))),
    a.taskList('tl-1', { id: 'task-1', done: true, text: ['Write the draft'] }, { id: 'task-2', done: false, text: ['Review with ', a.mention(U.bob, 'Bob Builder')] }),
    a.decisionList('dl-1', { id: 'dec-1', text: ['We export to GFM Markdown'] }),
  ];
  const blocks = (): AdfNode[] => [
    a.codeBlock('typescript', 'export function add(a: number, b: number): number {\n  return a + b; // <tags> & "quotes"\n}\n'),
    a.codeBlock(null, 'plain code without a language'),
    a.quote(a.p('A quotation, with ', a.text('emphasis', a.em), '.')),
    a.rule(),
    ...(['info', 'note', 'warning', 'tip', 'success', 'error'] as const).map((t) => a.panel(t, a.p(`This is a ${t} panel.`))),
    a.expand('Details inside an expand', a.p('Hidden text.'), a.table(['k', 'v'], ['a', '1']),
      a.nestedExpand('A nested expand', a.p('Even more hidden text.'))),
  ];
  const tables = (): AdfNode[] => [
    a.table(['Name', 'Role', 'Status'],
      ['Alice', 'Author', { blocks: [a.p(a.status('DONE', 'green', 'st-1'))] }],
      ['Bob', 'Reviewer', { blocks: [a.p(a.status('IN PROGRESS', 'blue', 'st-2'))] }]),
    a.table([{ text: ['Quarter'], rowspan: 2 }, { text: ['Results'], colspan: 2 }],
      [{ text: ['Revenue'], header: true }, { text: ['Cost'], header: true }],
      ['Q1', '10', '7'],
      ['Q2', { text: ['n/a (merged)'], colspan: 2 }]),
  ];
  const inlines = (): AdfNode[] => [
    a.p('Owner: ', a.mention(U.alice, 'Alice Author'), ', reviewer: ', a.mention(U.bob, 'Bob Builder'), '. Mood ',
      a.emoji(':smile:', '1f604', '😄'), ' due ', a.date('2024-06-30'), ' ', a.status('BLOCKED', 'red', 'st-3'), '.'),
    a.p('See ', a.inlineCard(pageUrl(P.guide, 'User Guide')), ' and the vendor site ', a.inlineCard('https://www.atlassian.com/software/confluence'), '.'),
    a.blockCard(pageUrl(P.install, 'Installation')),
    a.p('Also read ', a.text('the FAQ', a.link(pageUrl(P.faq, 'FAQ'))), '.'),
  ];
  const media = (): AdfNode[] => [a.mediaSingle(img), a.mediaGroup(pdf, txt)];
  const layouts = (): AdfNode[] => [
    a.layout({ width: 50, blocks: [a.h(3, 'Left column'), a.p('Left text.')] }, { width: 50, blocks: [a.h(3, 'Right column'), a.p('Right text.')] }),
  ];
  const macros = (): AdfNode[] => [
    a.macro('toc', { maxLevel: '3' }, 'mac-toc'),
    a.macro('children', { all: 'true' }, 'mac-children'),
    a.macro('jira', { key: 'DEMO-42', server: 'System Jira', serverId: '1c2d3e4f-jira' }, 'mac-jira'),
    a.macro('mystery-widget', { colour: 'teal' }, 'mac-unknown'),
  ];
  const annotated = (): AdfNode[] => [
    a.p('An ', a.text('open remark', a.annotation(M.open)), ' sits here; this ',
      a.text('settled point', a.annotation(M.resolved)), ' was resolved; and this ',
      a.text('disputed claim', a.annotation(M.reopened)), ' was reopened.'),
    a.p('The text now has the ', a.text('revised wording', a.annotation(M.changed)), ' after an edit, and an ',
      a.text('orphan highlight', a.annotation(M.orphan)), ' whose comment is gone.'),
  ];
  return a.doc(
    a.h(1, 'Rich page'), a.p('This page exercises every ADF node the exporter maps.'),
    a.h(2, 'Text and marks'), ...marks(),
    a.h(2, 'Lists'), ...lists(),
    a.h(2, 'Blocks'), ...blocks(),
    a.h(2, 'Tables'), ...tables(),
    a.h(3, 'Inline nodes and links'), ...inlines(),
    a.h(2, 'Media'), ...media(),
    a.h(2, 'Layout'), ...layouts(),
    a.h(2, 'Macros'), ...macros(),
    a.h(2, 'Annotations'), ...annotated(),
  );
}

const simple = (title: string, ...more: AdfNode[]): a.AdfDoc =>
  a.doc(a.h(1, title), a.p(`Text of ${title}.`), ...more);

const commentBody = (t: string): a.AdfDoc => a.doc(a.p(t));

/**
 * Headings that slug differently in every export target: non-ASCII, punctuation, a repeated
 * heading, a heading with no ASCII letters, and an anchor macro (Installation links to each).
 */
function faqDoc(): a.AdfDoc {
  return simple('FAQ',
    a.h(2, 'Überblick'), a.p('What the app does.'),
    a.h(2, 'Windows'), a.h(3, 'Setup'), a.p('Run the installer.'),
    a.h(2, 'Linux'), a.h(3, 'Setup'), a.p('Use the package.'),
    a.h(2, "What's new?"), a.macro('anchor', { '': 'known-issues' }, 'mac-faq-anchor'), a.p('Known issues follow.'),
    a.h(2, '常见问题'), a.p('Questions in Chinese.'),
  );
}

/** Links from Installation to FAQ headings (each form Confluence writes), to an attachment, and out of the tree. */
function headingLinks(): AdfNode[] {
  const faq = pageUrl(P.faq, 'FAQ');
  const to = (label: string, href: string): AdfNode => a.text(label, a.link(href));
  return [
    a.p('Read the ', to('overview', `${faq}#${encodeURIComponent('Überblick')}`), ', the ', to('Linux setup', `${faq}#Setup.1`), ', ',
      to("what's new", `${faq}#FAQ-What'snew?`), ', the ', to('known issues', `${faq}#known-issues`), ', the ', to('Chinese questions', `${faq}#${encodeURIComponent('常见问题')}`), '.'),
    a.p('Download the ', to('spec', `${SITE_PLACEHOLDER_URL}/wiki/download/attachments/${P.rich}/spec.pdf?version=1&api=v2`), ', back to the ',
      to('top', '#Installation'), ', or see the ', to('operations home', `${SITE_PLACEHOLDER_URL}/wiki/spaces/OPS/pages/${P.opsHome}/Operations+Home#Operations-Home`), '.'),
  ];
}

export function seedSite(): Site {
  const site = new Site({ firstId: 400000 });
  site.baseUrl = SITE_PLACEHOLDER_URL;
  site.addUser({ accountId: U.alice, displayName: 'Alice Author', email: 'alice@example.com', accountType: 'atlassian' });
  site.addUser({ accountId: U.bob, displayName: 'Bob Builder', email: 'bob@example.com', accountType: 'atlassian' });
  site.addUser({ accountId: U.carol, displayName: 'Carol Newcomer', email: 'carol@example.com', accountType: 'atlassian' });
  const sp = SEED.space.id;
  site.addSpace({ id: sp, key: 'DEMO', name: 'Demo space', authorId: U.alice, homepageId: P.home, description: 'Seed space of the sandbox.' });
  site.addSpace({ id: SEED.otherSpace.id, key: 'OPS', name: 'Operations', authorId: U.bob, homepageId: P.opsHome });

  const page = (id: string, parentId: string | null, title: string, labels: string[] = [], body = simple(title), spaceId: string = sp): void => {
    site.addPage({ id, parentId, title, spaceId, authorId: U.alice, adf: body, labels });
  };
  page(P.home, null, 'Demo Home', ['home'], simple('Demo Home', a.macro('children', {}, 'mac-home-children')));
  // Page properties (`details`) on two pages, and a Page Properties Report over them on the guide.
  page(P.guide, P.home, 'User Guide', ['guide', 'docs'], simple('User Guide', a.macro('detailssummary', { label: 'docs', cql: 'label = "docs" and space = currentSpace()' }, 'mac-guide-report')));
  page(P.chapter, P.guide, 'Chapter One', ['docs'], simple('Chapter One', a.bodiedMacro('details', {}, 'mac-chapter-props',
    a.table(['Owner', { text: [a.mention(U.bob, 'Bob Builder')] }], ['Status', 'Draft'], ['Review date', '2024-07-01']))));
  page(P.section, P.chapter, 'Section 1.1', [], simple('Section 1.1', a.p('Back to ', a.inlineCard(pageUrl(P.guide, 'User Guide')), '.')));
  page(P.install, P.home, 'Installation', ['docs', 'setup'], simple('Installation', a.codeBlock('bash', 'npm install\nnpm start'), ...headingLinks(),
    a.bodiedMacro('details', {}, 'mac-install-props',
      a.table(['Owner', 'Alice Author'], ['Status', 'Final'], ['Platforms', { blocks: [a.ul(['Linux'], ['macOS'])] }], ['See also', { text: [a.text('the FAQ', a.link(pageUrl(P.faq, 'FAQ')))] }]))));
  page(P.faq, P.home, 'FAQ', ['docs'], faqDoc());
  // Bob may read the FAQ but not edit it: the "cannot edit" paths (auto-export settings) need a page like this.
  site.restrictEdit(P.faq, [SEED.users.alice]);

  // The rich page gets two edits, so it has three versions and the "changed" inline comment
  // refers to wording that no longer exists.
  const first = a.doc(a.h(1, 'Rich page'), a.p('Draft with the ', a.text('original wording', a.annotation(M.changed)), '.'));
  site.addPage({ id: P.rich, parentId: P.guide, title: 'Rich Page Draft', spaceId: sp, authorId: U.alice, adf: first, labels: ['rich', 'docs'] });
  site.updatePage(P.rich, { title: 'Rich Page', message: 'Renamed' }, U.bob);
  site.updatePage(P.rich, { adf: richDoc(), message: 'Full content' }, U.alice);

  page(P.restricted, P.home, 'Secret Plans', ['confidential']);
  site.restrict(P.restricted, [U.alice]);
  page(P.restrictedChild, P.restricted, 'Secret Appendix');
  page(P.manyComments, P.home, 'Busy Discussion', ['discussion']);
  page(P.dbHost, P.home, 'Project Tracker', ['tracker']);
  site.addContent({ id: SEED.folder, type: 'folder', parentId: P.home, title: 'Archive Folder', spaceId: sp, authorId: U.alice });
  page(P.folderPage, SEED.folder, 'Archived Notes');
  page(P.opsHome, null, 'Operations Home', [], simple('Operations Home'), SEED.otherSpace.id);

  site.addContent({
    id: SEED.blog, type: 'blogpost', parentId: null, title: 'Release Notes 1.0', spaceId: sp, authorId: U.bob, labels: ['release'],
    adf: a.doc(a.h(1, 'Release 1.0'), a.p('We shipped ', a.text('exports', a.strong), ' and ', a.inlineCard(pageUrl(P.guide, 'User Guide')), '.')),
  });

  // Databases: metadata, properties and hierarchy are reachable; rows are not (see server.ts).
  const db = site.addContent({ id: SEED.database, type: 'database', parentId: P.dbHost, title: 'Roadmap Database', spaceId: sp, authorId: U.alice });
  db.collaborators = [U.alice, U.bob];
  for (let i = 0; i < SEED.databasePropertyCount; i++) {
    const key = `roadmap.field.${String(i).padStart(2, '0')}`;
    site.addProperty(SEED.database, key, { name: `Field ${i}`, type: i % 3 === 0 ? 'date' : i % 3 === 1 ? 'text' : 'select', order: i }, U.alice);
  }
  site.addContent({ id: SEED.databaseChild, type: 'whiteboard', parentId: SEED.database, title: 'Roadmap Board', spaceId: sp, authorId: U.bob });
  site.addContent({ id: SEED.restrictedDatabase, type: 'database', parentId: P.dbHost, title: 'Salaries Database', spaceId: sp, authorId: U.alice });
  site.restrict(SEED.restrictedDatabase, [U.alice]);

  // Attachments with real bytes.
  site.addAttachment({ id: SEED.attachments.image, pageId: P.rich, title: 'diagram.png', mediaType: 'image/png', bytes: PNG, authorId: U.alice, comment: 'Architecture diagram' });
  site.addAttachment({ id: SEED.attachments.pdf, pageId: P.rich, title: 'spec.pdf', mediaType: 'application/pdf', bytes: tinyPdf('Sandbox spec'), authorId: U.alice });
  site.addAttachment({ id: SEED.attachments.text, pageId: P.rich, title: 'notes.txt', mediaType: 'text/plain', bytes: Uint8Array.from(Buffer.from('Plain notes\nline 2 \u00e9\n', 'utf8')), authorId: U.bob });

  const C = SEED.comments;
  const footer = (id: string, pageId: string, parent: string | null, by: string, t: string): void => {
    site.addComment({ id, kind: 'footer', pageId, parentCommentId: parent, authorId: by, adf: commentBody(t) });
  };
  footer(C.footerRoot, P.rich, null, U.alice, 'Is the table layout final?');
  footer(C.footerReply, P.rich, C.footerRoot, U.bob, 'Almost, one merged cell to check.');
  footer(C.footerReplyReply, P.rich, C.footerReply, U.alice, 'Checked, it is fine.');
  footer(C.footerRoot2, P.rich, null, U.bob, 'Nice page, @Alice.');

  const inline = (id: string, marker: string, selection: string, state: 'open' | 'resolved' | 'reopened' | 'dangling', by: string, t: string, resolved = false): void => {
    site.addComment({
      id, kind: 'inline', pageId: P.rich, authorId: by, adf: commentBody(t), markerRef: marker, originalSelection: selection, resolutionStatus: state,
      ...(resolved ? { resolvedBy: U.alice, resolvedAt: site.tick() } : {}),
    });
  };
  inline(C.inlineOpen, M.open, 'open remark', 'open', U.bob, 'What does this mean?');
  site.addComment({ id: C.inlineOpenReply, kind: 'inline', pageId: P.rich, parentCommentId: C.inlineOpen, authorId: U.alice, adf: commentBody('It means the remark is open.'), markerRef: M.open, originalSelection: 'open remark', resolutionStatus: 'open' });
  inline(C.inlineResolved, M.resolved, 'settled point', 'resolved', U.bob, 'Typo here.', true);
  inline(C.inlineReopened, M.reopened, 'disputed claim', 'reopened', U.alice, 'Source needed.', true);
  inline(C.inlineDangling, M.dangling, 'text that was deleted', 'dangling', U.bob, 'This anchor is gone.');
  inline(C.inlineChanged, M.changed, 'original wording', 'open', U.alice, 'Should we reword this?');

  site.addComment({ id: C.blogFooter, kind: 'footer', pageId: SEED.blog, authorId: U.alice, adf: commentBody('Congratulations on the release!') });
  footer(C.restrictedRoot, P.restricted, null, U.alice, 'Confidential remark.');
  footer(C.restrictedReply, P.restricted, C.restrictedRoot, U.alice, 'Confidential reply.');
  for (let i = 0; i < SEED.manyCommentsCount; i++) {
    footer(String(Number(C.manyFirst) + i), P.manyComments, null, i % 2 ? U.bob : U.alice, `Comment number ${i + 1}.`);
  }
  return site;
}
