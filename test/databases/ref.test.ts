import { DatabaseProblem } from '../../src/databases/errors';
import { MAX_REF_LENGTH, parseDatabaseRef } from '../../src/databases/ref';

const site = 'https://acme.atlassian.net';

function refusal(input: string, o: { siteUrl?: string } = {}): DatabaseProblem {
  try {
    parseDatabaseRef(input, o);
  } catch (e) {
    if (e instanceof DatabaseProblem) return e;
    throw e;
  }
  throw new Error(`accepted ${input}`);
}

describe('parseDatabaseRef', () => {
  it.each([
    ['123456', '123456', 'id'],
    ['  98304  ', '98304', 'id'],
    ['000123', '123', 'id'],
    [`${site}/wiki/spaces/ENG/database/4456449`, '4456449', 'url'],
    [`${site}/wiki/spaces/ENG/database/4456449?savedViewId=abc&entryId=9`, '4456449', 'url'],
    [`${site}/wiki/spaces/ENG/database/4456449/`, '4456449', 'url'],
    [`${site}/wiki/spaces/ENG/database/4456449#top`, '4456449', 'url'],
    [`${site}/wiki/spaces/ENG/databases/4456449`, '4456449', 'url'],
    [`${site}/wiki/spaces/~712020a11ce/database/77`, '77', 'url'],
    ['acme.atlassian.net/wiki/spaces/ENG/database/55', '55', 'url'],
    ['/wiki/spaces/ENG/database/66', '66', 'url'],
    ['/spaces/ENG/database/67', '67', 'url'],
    [`${site}/wiki/api/v2/databases/68`, '68', 'url'],
    [`${site}/wiki/api/v2/databases/69/properties`, '69', 'url'],
  ])('reads %s', (input, id, from) => {
    const ref = parseDatabaseRef(input, { siteUrl: site });
    expect(ref.id).toBe(id);
    expect(ref.from).toBe(from);
  });

  it('keeps the space key of a URL', () => {
    expect(parseDatabaseRef(`${site}/wiki/spaces/ENG/database/1`).spaceKey).toBe('ENG');
  });

  it.each([
    ['', /Paste a database URL or id/],
    ['   ', /Paste a database URL or id/],
    ['abc', /not a database URL or id/],
    ['12a', /not a database URL or id/],
    ['-5', /not a database URL or id/],
    ['1.5', /not a database URL or id/],
    ['0', /not a valid database id/],
    ['99999999999999999999', /up to 19 digits/],
    ['9223372036854775808', /not a valid database id/],
    [`${site}/wiki/x/AbCdEf`, /Short links/],
    [`${site}/wiki/spaces/ENG/pages/65600/User+Guide`, /address of a page, not a database/],
    [`${site}/wiki/spaces/ENG/whiteboard/1`, /address of a whiteboard/],
    [`${site}/wiki/spaces/ENG/folder/1`, /address of a folder/],
    [`${site}/wiki/spaces/ENG/blog/2024/01/01/5/Post`, /address of a blog post/],
    [`${site}/wiki/spaces/ENG/database/`, /no id after \/database\//],
    [`${site}/wiki/spaces/ENG/database/12x`, /is not a database id/],
    [`${site}/wiki/api/v2/pages/12`, /REST address for pages/],
    [`${site}/wiki/home`, /not a Confluence database URL/],
    ['ftp://acme.atlassian.net/wiki/spaces/ENG/database/1', /Only http\(s\)/],
    ['javascript:alert(1)', /Only http\(s\)/],
    ['https://acme.atlassian.net/wiki/spaces/ENG/database/1 extra', /not a database URL or id/],
  ])('refuses %j', (input, message) => {
    const e = refusal(input, { siteUrl: site });
    expect(e.code).toBe('INVALID_DATABASE_REF');
    expect(e.message).toMatch(message);
    expect(e.hint).toBeTruthy();
  });

  it('refuses input over the length limit', () => {
    expect(refusal('1'.repeat(MAX_REF_LENGTH + 1)).message).toMatch(/too long/);
  });

  it('refuses a URL from another site, and suggests the id', () => {
    const e = refusal('https://other.atlassian.net/wiki/spaces/ENG/database/5', { siteUrl: site });
    expect(e.code).toBe('OTHER_SITE');
    expect(e.message).toContain('other.atlassian.net');
    expect(e.hint).toMatch(/numeric database id/);
  });

  it('accepts any host when the site is unknown', () => {
    expect(parseDatabaseRef('https://other.atlassian.net/wiki/spaces/ENG/database/5').id).toBe('5');
  });
});
