/**
 * Property test on documents generated from Atlassian's ADF JSON schema (validated with ajv):
 * no crash, no timeout, and every visible unit (the verifier) and every text word (checked here
 * directly) is found in the output. `npm run fuzz -- --count N --seed S` runs any number.
 */
import { adfValidator, createGenerator, loadAdfSchema } from './adf-generator';
import { fuzz } from './fuzz';

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
