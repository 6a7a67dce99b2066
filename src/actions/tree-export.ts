/**
 * `start-tree-export` (TRIGGER): starts a background export of a page and everything under it, for
 * the user, and says where the result will appear. The tree is listed AS THE USER, so only pages the
 * user can read are exported; the job belongs to the user from the platform's context, and the zip
 * is a private download for that user alone (never attached to a page). It is the only action that
 * writes (the job, then the zip), and agents started by automation rules never
 * call it (they call GET actions only).
 */
import { createClient } from '../confluence/client';
import { TreeJobLimit } from '../jobs/tree-limits';
import { MAX_ITEMS, TreeListingTooSlow, TreeTooLarge } from '../jobs/tree-plan';
import { AppError } from '../resolvers/define';
import { EXPORT_FORMATS } from '../shared/export';
import { choiceInput, defineAction, resolveTarget } from './input';
import { startTree, treeDelivery } from './seams';

export const treeExportAction = defineAction('start-tree-export', async (call) => {
  const format = choiceInput(call, 'format', EXPORT_FORMATS, 'md');
  const target = await resolveTarget(call, createClient('user'));
  if (target.ref.type !== 'page') throw new AppError('NOT_A_PAGE', 'Blog posts have no page tree.', 'Name a page instead.');
  let started;
  try {
    started = await startTree({
      root: target.ref,
      requester: call.accountId,
      siteUrl: target.siteUrl ?? '',
      options: { format, frontMatter: true, comments: false, anchors: true, attachments: false },
    });
  } catch (e) {
    if (e instanceof TreeListingTooSlow) throw new AppError('TOO_SLOW', `Confluence took too long to list this tree (${e.listed} items so far).`, 'Export a smaller branch: a page further down the tree.');
    if (e instanceof TreeJobLimit) throw new AppError('TOO_MANY_JOBS', `${e.scope === 'user' ? 'This user' : 'This site'} already has ${e.limit} page tree or space exports running.`, 'Wait for one to finish, then start again.');
    if (e instanceof TreeTooLarge) throw new AppError('TOO_LARGE', `This tree has more than ${MAX_ITEMS} items.`, 'Export a smaller branch: a page further down the tree.');
    throw e;
  }
  const delivery = await treeDelivery(started.jobId);
  return {
    started: true,
    jobId: started.jobId,
    rootPageId: target.ref.id,
    format,
    // A tree larger than the start lists itself: the job lists the rest first, so the count is not known yet.
    ...(started.listed === undefined ? { pages: started.total } : { itemsListedSoFar: started.listed, listing: 'The tree is larger than one start lists: the export lists the rest first, then counts its pages.' }),
    ...(started.skipped > 0 ? { notExported: `${started.skipped} item(s) in the tree are not pages (folders, databases, whiteboards); the export's report lists them.` } : {}),
    scope: 'Only pages this user can read are exported.',
    resultWillAppear: delivery.where,
  };
});
