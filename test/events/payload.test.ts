/** Payload parsing against the shapes in the Forge "Confluence events" reference. */
import { deliveryKey, parseEvent, subjectId } from '../../src/events/payload';

const user = (id: string) => ({ type: 'known', username: id, accountId: id, accountType: 'atlassian', email: id, publicName: id, displayName: id, isExternalCollaborator: false });
const space = { id: 827392002, key: 'SP', alias: 'SP', name: 'Project: Sample Project', type: 'global', status: 'current' };

/** The documented page example. */
const pageCreated = {
  eventType: 'avi:confluence:created:page',
  atlassianId: '4ad9aa0c52dc1b420a791d12',
  eventCreatedDate: '2021-01-20T06:29:21.907Z',
  suppressNotifications: false,
  content: {
    id: '838205441', type: 'page', status: 'current', title: 'A brand new page', space,
    history: { latest: true, createdBy: user('4ad9aa0c52dc1b420a791d12'), ownedBy: user('4ad9aa0c52dc1b420a791d12'), createdDate: '2021-01-20T06:29:21.707Z' },
    version: { by: user('4ad9aa0c52dc1b420a791d12'), when: '2021-01-20T06:29:21.707Z', number: 1 },
  },
};

/** The documented comment example (container id typed as number in the reference, string in the example). */
const commentCreated = (containerId: string | number) => ({
  eventType: 'avi:confluence:created:comment',
  atlassianId: '4ad9aa0c52dc1b420a791d12',
  eventCreatedDate: '2021-01-20T06:29:21.907Z',
  content: {
    id: '838205455', type: 'comment', status: 'current', title: 'Re: A brand new page', space,
    version: { by: user('4ad9aa0c52dc1b420a791d12'), when: '2021-01-20T08:35:00.100Z', number: 1 },
    ancestors: [{ id: '838205415', type: 'comment', status: 'current', title: 'Re: A brand new page' }],
    container: { id: containerId, type: 'page', status: 'current', title: 'A brand new page', space },
    extensions: { location: 'footer' },
  },
});

describe('parseEvent', () => {
  it('reads the documented page payload', () => {
    const r = parseEvent(pageCreated);
    expect(r).toEqual({
      ok: true,
      event: {
        eventType: 'avi:confluence:created:page', accountId: '4ad9aa0c52dc1b420a791d12', at: '2021-01-20T06:29:21.907Z', selfGenerated: false,
        content: { id: '838205441', type: 'page', title: 'A brand new page', version: 1 },
      },
    });
    if (r.ok) {
      expect(deliveryKey(r.event)).toBe('avi:confluence:created:page:838205441:1');
      expect(subjectId(r.event)).toBe('838205441');
    }
  });

  it.each(['838205441', 838205441])('reads the documented comment payload, container id %p', (containerId) => {
    const r = parseEvent(commentCreated(containerId));
    expect(r.ok).toBe(true);
    if (!r.ok || !('comment' in r.event)) throw new Error('not a comment event');
    expect(r.event.comment).toEqual({ id: '838205455', version: 1, location: 'footer' });
    expect(r.event.container).toEqual({ id: '838205441', type: 'page' });
    // Comment activity belongs to the page; the key names the comment and its version.
    expect(subjectId(r.event)).toBe('838205441');
    expect(deliveryKey(r.event)).toBe('avi:confluence:created:comment:838205441:838205455:1');
  });

  it('keys a new version of the same page differently', () => {
    const v2 = { ...pageCreated, eventType: 'avi:confluence:updated:page', content: { ...pageCreated.content, version: { ...pageCreated.content.version, number: 2 } } };
    const a = parseEvent({ ...v2, content: { ...v2.content, version: { ...v2.content.version, number: 1 } } });
    const b = parseEvent(v2);
    if (!a.ok || !b.ok) throw new Error('should parse');
    expect(deliveryKey(a.event)).not.toBe(deliveryKey(b.event));
  });

  it('marks selfGenerated events', () => {
    const r = parseEvent({ ...pageCreated, selfGenerated: true });
    expect(r.ok && r.event.selfGenerated).toBe(true);
  });

  it('takes the author from version.by when atlassianId is absent (anonymous: neither)', () => {
    const { atlassianId: _omit, ...anon } = pageCreated;
    const r = parseEvent(anon);
    expect(r.ok && r.event.accountId).toBe('4ad9aa0c52dc1b420a791d12');
    const bare = parseEvent({ ...anon, content: { ...anon.content, version: { number: 3 } } });
    expect(bare.ok && bare.event.accountId).toBeUndefined();
  });

  it.each([
    ['not an object', 'avi:confluence:created:page', 'payload is not an object'],
    ['no type', { content: pageCreated.content }, 'no eventType'],
    ['unsupported type', { ...pageCreated, eventType: 'avi:confluence:liked:page' }, 'unsupported eventType'],
    ['no content', { ...pageCreated, content: undefined }, 'no content'],
    ['id with a slash', { ...pageCreated, content: { ...pageCreated.content, id: '12/../34' } }, 'content.id missing or invalid'],
    ['comment without container', { ...commentCreated('1'), content: { ...commentCreated('1').content, container: undefined } }, 'content.container missing or invalid'],
  ])('refuses %s', (_name, raw, reason) => {
    const r = parseEvent(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(reason);
  });

  it.each([
    ['version missing', { version: {} }],
    ['version not a number', { version: { number: '2' } }],
    ['no version at all', { version: undefined }],
  ])('accepts a page event with %s (older docs show none; the dispatcher reads it from the API)', (_name, over) => {
    const r = parseEvent({ ...pageCreated, eventType: 'avi:confluence:updated:page', content: { ...pageCreated.content, ...over } });
    expect(r.ok).toBe(true);
    if (r.ok && 'content' in r.event) expect('version' in r.event.content).toBe(false);
  });

  it('accepts a deleted comment without a version', () => {
    const c = commentCreated('42');
    const r = parseEvent({ ...c, eventType: 'avi:confluence:deleted:comment', content: { ...c.content, version: undefined } });
    if (!r.ok) throw new Error(r.reason);
    expect(deliveryKey(r.event)).toBe('avi:confluence:deleted:comment:42:838205455:0');
  });
});
