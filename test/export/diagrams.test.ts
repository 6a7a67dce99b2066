/**
 * Diagram macros through the real attachment resolver of single-page exports: the preview is
 * found by name among the page's attachments, linked to the source, named in the alt text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adfToMarkdown } from '../../src/export/markdown';
import { attachmentMedia } from '../../src/export/service';
import { diagramPreviewNames } from '../../src/export/adf/macros';
import type { Attachment } from '../../src/confluence/types';

const site = 'https://example.atlassian.net';
const attachment = (id: string, title: string, mediaType: string): Attachment => ({
  id,
  title,
  mediaType,
  fileId: `file-${id}`,
  downloadLink: `/download/attachments/42/${encodeURIComponent(title)}?version=1`,
});

const drawio = (diagramName: string, key = 'drawio'): unknown => ({
  type: 'extension',
  attrs: { extensionKey: key, parameters: { macroParams: { diagramName: { value: diagramName } }, macroMetadata: { title: 'draw.io Diagram' } } },
});
const doc = (...content: unknown[]): unknown => ({ type: 'doc', version: 1, content });

test('preview names: <name>.png, .svg, and without a .drawio extension', () => {
  expect(diagramPreviewNames('Flow.drawio')).toEqual(['Flow.drawio.png', 'Flow.drawio.svg', 'Flow.png', 'Flow.svg']);
  expect(diagramPreviewNames('Map')).toEqual(['Map.png', 'Map.svg']);
});

test('a draw.io diagram becomes its preview, linked to its source, named in the alt text', () => {
  const media = attachmentMedia(
    [attachment('1', 'Flow.drawio', 'application/vnd.jgraph.mxfile'), attachment('2', 'Flow.drawio.png', 'image/png')],
    site,
  );
  const { markdown, report } = adfToMarkdown(doc(drawio('Flow.drawio')), { media });
  expect(markdown.trim()).toBe(
    `[![Flow](${site}/wiki/download/attachments/42/Flow.drawio.png?version=1)](${site}/wiki/download/attachments/42/Flow.drawio?version=1)`,
  );
  expect(report).toEqual([]);
});

test('a missing preview is a report entry and a named placeholder', () => {
  const media = attachmentMedia([attachment('1', 'Other.png', 'image/png')], site);
  const { markdown, report } = adfToMarkdown(doc(drawio('Gone.drawio')), { media });
  expect(markdown).toContain('Diagram: Gone');
  expect(report).toEqual([expect.objectContaining({ kind: 'attachment-missing', what: 'drawio', path: 'doc/extension[0]' })]);
});

test('a non-image attachment with the preview name is not shown as a picture', () => {
  const media = attachmentMedia([attachment('1', 'Odd.png', 'application/octet-stream')], site);
  const { report } = adfToMarkdown(doc(drawio('Odd')), { media });
  expect(report).toEqual([expect.objectContaining({ kind: 'attachment-missing' })]);
});

test('draw.io for Cloud (a Forge app: key …/static/drawio, name in guestParams) becomes its preview too', () => {
  // A real page's ADF (test/corpus/real/README.md): the Forge macro keeps its name in parameters.guestParams.
  const page = JSON.parse(readFileSync(join(__dirname, '../corpus/real/atlas-doc-parser/node_extension_draw_io_diagram.adf.json'), 'utf8')) as unknown;
  const name = 'atlas doc format - node media - example draw.io diagram.drawio';
  const media = attachmentMedia([attachment('1', name, 'application/vnd.jgraph.mxfile'), attachment('2', `${name}.png`, 'image/png')], site);
  const { markdown, report } = adfToMarkdown(page, { media });
  const url = (file: string): string => `${site}/wiki/download/attachments/42/${encodeURIComponent(file)}?version=1`;
  expect(markdown.trim()).toBe(`[![atlas doc format - node media - example draw.io diagram](${url(`${name}.png`)})](${url(name)})`);
  expect(report).toEqual([]);
  // Without its attachments the diagram's name still shows, and the report says what is missing.
  const bare = adfToMarkdown(page, {});
  expect(bare.markdown).toContain('Diagram: atlas doc format - node media - example draw\\.io diagram');
  expect(bare.report.map((e) => [e.kind, e.what])).toEqual([['attachment-missing', 'drawio']]);
});
