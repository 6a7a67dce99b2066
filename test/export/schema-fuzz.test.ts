/**
 * Property test on documents generated from Atlassian's ADF JSON schema (validated with ajv):
 * no crash, no timeout, and every visible unit (the verifier) and every text word (checked here
 * directly) is found in the output. `npm run fuzz -- --count N --seed S` runs any number.
 */
import { adfValidator, createGenerator, loadAdfSchema } from './adf-generator';
import { fuzz, legacyForms } from './fuzz';
import { adfToMarkdown } from '../../src/export/markdown';
import { adfToHtml } from '../../src/export/html';

const count = 200;
const seed = 20261125;

test(`${count} schema-valid generated documents convert without loss`, () => {
  const result = fuzz({ count, seed });
  expect(result.generated).toBeGreaterThanOrEqual(count);
  expect(result.crashes).toEqual([]);
  expect(result.timeouts).toEqual([]);
  expect(result.missing).toEqual([]);
  expect(result.structure).toEqual([]);
  expect(result.lostWords).toEqual([]);
  // The generator reaches the constructs that used to lose content.
  for (const type of ['bodiedExtension', 'inlineExtension', 'table', 'panel', 'mediaSingle', 'taskList', 'nestedExpand']) {
    expect(result.nodeTypes.get(type) ?? 0).toBeGreaterThan(0);
  }
  expect(result.nestedTables).toBeGreaterThan(0);
});

test('the generator is deterministic and its documents are schema-valid', () => {
  const schema = loadAdfSchema();
  const valid = adfValidator(schema);
  const a = createGenerator(schema, 7);
  const b = createGenerator(schema, 7);
  const docs = Array.from({ length: 20 }, () => a());
  expect(Array.from({ length: 20 }, () => b())).toEqual(docs);
  expect(docs.filter(valid).length).toBeGreaterThanOrEqual(16);
  expect(valid({ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: '' }] }] })).toBe(false);
});

test('legacy and non-canonical forms convert without loss and are named in the report', () => {
  const doc = { type: 'doc', version: 1, content: legacyForms(0) };
  for (const out of [adfToMarkdown(doc), adfToHtml(doc, { css: '' })]) {
    expect(out.report.filter((e) => e.kind === 'content-missing' || e.kind === 'structure-missing')).toEqual([]);
    const named = out.report.map((e) => `${e.kind} ${e.what}`);
    for (const n of ['unsupported-node mysteryNode', 'unsupported-mark mysteryMark', 'dropped-mark strong', 'approximated emoji', 'approximated codeBlock', 'approximated expand']) expect(named).toContain(n);
  }
  const md = adfToMarkdown(doc).markdown;
  expect(md).toContain('- [ ] w900001x\n  - [x] w900002x');
  expect(md).toContain('```mermaid\ngraph TD');
  expect(md).toContain('![w900005x](https://example.com/w900004x.png "w900006x")');
});
