/**
 * Diagram macros through the real attachment resolver of single-page exports: the preview is
 * found by name among the page's attachments, linked to the source, named in the alt text.
 */
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
