import { toJsonBundle } from '../../src/export/json';

describe('JSON bundle', () => {
  test('fixed key order, 2-space indentation, undefined fields left out', () => {
    const out = toJsonBundle({
      report: [{ path: 'doc', detail: 'd', what: 'table', kind: 'approximated' }],
      adf: { type: 'doc', content: [] },
      meta: { url: 'u', title: 'T', id: '1' },
      comments: [],
    });
    expect(out).toBe(`{
  "format": "content-toolkit/page",
  "version": 1,
  "meta": {
    "id": "1",
    "title": "T",
    "url": "u"
  },
  "report": [
    {
      "kind": "approximated",
      "what": "table",
      "detail": "d",
      "path": "doc"
    }
  ],
  "comments": [],
  "adf": {
    "type": "doc",
    "content": []
  }
}
`);
  });

  test('the same input gives the same bytes', () => {
    const input = { meta: { id: '1', title: 'T' }, adf: { type: 'doc' }, report: [], storage: '<p/>' };
    expect(toJsonBundle(input)).toBe(toJsonBundle({ ...input }));
    expect(JSON.parse(toJsonBundle(input)).storage).toBe('<p/>');
  });
});
