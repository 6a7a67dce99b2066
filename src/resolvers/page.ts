import type Resolver from '@forge/resolver';
import { createClient } from '../confluence/client';
import { orElse } from '../confluence/errors';
import { siteUrlFrom } from '../confluence/site';
import type { PageInfo } from '../shared/page';
import { object } from '../shared/validate';
import { requireContent } from './context';
import { defineResolver } from './define';

export function registerPageResolvers(resolver: Resolver): void {
  defineResolver(resolver, 'page/info', object({}), async (_input, ctx): Promise<PageInfo> => {
    const ref = await requireContent(ctx);
    const client = createClient('user');
    const [page, operations] = await Promise.all([
      ref.type === 'blogpost' ? client.getBlogPost(ref.id) : client.getPage(ref.id),
      ref.type === 'blogpost' ? client.blogPostOperations(ref.id) : client.pageOperations(ref.id),
    ]);
    const site = siteUrlFrom(ctx.siteUrl, page._links?.base);
    const space = page.spaceId ? await client.getSpace(page.spaceId).catch(orElse(undefined)) : undefined;
    return {
      id: page.id,
      type: ref.type,
      title: page.title ?? '(untitled)',
      version: page.version?.number ?? 0,
      spaceId: page.spaceId,
      spaceKey: space?.key,
      spaceName: space?.name,
      ...(space?.homepageId === page.id ? { spaceHome: true } : {}),
      url: page._links?.webui && site ? `${site}/wiki${page._links.webui}` : undefined,
      canEdit: operations.some((o) => o.operation === 'update'),
    };
  });
}
