/**
 * The sandbox's route → scope table (offline impersonation) agrees with the official specs, and
 * the manifest's allowImpersonation map is read as the platform reads it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { allowedWith, impersonationScopes, scopesFor } from '../../sandbox/forge/scopes';
import { readManifest } from '../../sandbox/harness';

const DIR = '/work/shared/confluence-openapi';
type Spec = { paths: Record<string, Record<string, { 'x-atlassian-oauth2-scopes'?: Array<{ scopes: string[] }> }>> };

/** One request per route family the app calls, with the spec path it matches. */
const SAMPLES: Array<[method: string, path: string, spec: 'v1' | 'v2', template: string]> = [
  ['GET', '/wiki/api/v2/pages?id=1&id=2&body-format=atlas_doc_format', 'v2', '/pages'],
  ['GET', '/wiki/api/v2/pages/1?body-format=storage', 'v2', '/pages/{id}'],
  ['GET', '/wiki/api/v2/pages/1/operations', 'v2', '/pages/{id}/operations'],
  ['GET', '/wiki/api/v2/pages/1/descendants?depth=10', 'v2', '/pages/{id}/descendants'],
  ['GET', '/wiki/api/v2/pages/1/ancestors', 'v2', '/pages/{id}/ancestors'],
  ['GET', '/wiki/api/v2/pages/1/footer-comments?limit=250', 'v2', '/pages/{id}/footer-comments'],
  ['GET', '/wiki/api/v2/inline-comments/5/children', 'v2', '/inline-comments/{id}/children'],
  ['GET', '/wiki/api/v2/pages/1/attachments', 'v2', '/pages/{id}/attachments'],
  ['GET', '/wiki/api/v2/spaces/9', 'v2', '/spaces/{id}'],
  ['POST', '/wiki/api/v2/users-bulk', 'v2', '/users-bulk'],
  ['GET', '/wiki/rest/api/content/1/child/attachment/7/download', 'v1', '/wiki/rest/api/content/{id}/child/attachment/{attachmentId}/download'],
  ['PUT', '/wiki/rest/api/content/1/child/attachment', 'v1', '/wiki/rest/api/content/{id}/child/attachment'],
  ['GET', '/wiki/rest/api/content/1/restriction/byOperation/read', 'v1', '/wiki/rest/api/content/{id}/restriction/byOperation/{operationKey}'],
];

(existsSync(`${DIR}/v2.json`) ? it : it.skip)('lists, for every route the app calls, exactly the scope sets the specs give', () => {
  const specs = { v1: JSON.parse(readFileSync(`${DIR}/v1.json`, 'utf8')) as Spec, v2: JSON.parse(readFileSync(`${DIR}/v2.json`, 'utf8')) as Spec };
  for (const [method, path, spec, template] of SAMPLES) {
    const op = specs[spec].paths[template]?.[method.toLowerCase()];
    const fromSpec = (op?.['x-atlassian-oauth2-scopes'] ?? []).map((s) => [...s.scopes].sort());
    expect([path, scopesFor(method, path).map((s) => [...s].sort())]).toEqual([path, expect.arrayContaining(fromSpec)]);
    expect(scopesFor(method, path).length).toBe(fromSpec.length);
  }
});

it('reads allowImpersonation from the manifest and allows only those scopes', () => {
  const granted = impersonationScopes(readManifest().permissions?.scopes);
  expect([...granted].sort()).toEqual(['read:attachment:confluence', 'read:comment:confluence', 'read:hierarchical-content:confluence', 'read:page:confluence', 'readonly:content.attachment:confluence', 'write:confluence-file']);
  expect(allowedWith(granted, 'GET', '/wiki/api/v2/pages?id=1')).toBe(true);
  expect(allowedWith(granted, 'PUT', '/wiki/rest/api/content/1/child/attachment')).toBe(true);
  expect(allowedWith(granted, 'GET', '/wiki/api/v2/spaces/9')).toBe(false);
  expect(allowedWith(granted, 'GET', '/wiki/rest/api/content/1/restriction/byOperation/read')).toBe(false);
  // A route missing from the table is refused, and a plain list grants nothing.
  expect(allowedWith(granted, 'DELETE', '/wiki/api/v2/pages/1')).toBe(false);
  expect(impersonationScopes(['read:page:confluence']).size).toBe(0);
});
