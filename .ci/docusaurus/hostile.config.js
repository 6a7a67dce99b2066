// The hostile fixture's site (.ci/real-tools, issue 21): the seed site's config, built twice, under
// Docusaurus's DEFAULT markdown.format ('mdx': every .md compiles as MDX, its {…} expressions and
// export/import lines run during the build) and under 'detect' (.md as CommonMark). CT_MARKDOWN_FORMAT
// picks one. Broken links only warn here: the seed site's builds check links; these check that the
// build completes, runs no page code and ships no page script, and a link error must not hide that.
const base = require('./docusaurus.config.js');

const format = process.env.CT_MARKDOWN_FORMAT ?? 'mdx';
if (format !== 'mdx' && format !== 'detect') throw new Error(`CT_MARKDOWN_FORMAT must be mdx or detect, not ${format}`);
const markdown = { ...base.markdown, hooks: { onBrokenMarkdownLinks: 'warn', onBrokenMarkdownImages: 'warn' } };
// The default is what a user who never read the README gets: no format key at all.
if (format === 'mdx') delete markdown.format;

module.exports = { ...base, title: `Content Toolkit hostile export (${format})`, onBrokenLinks: 'warn', onBrokenAnchors: 'warn', markdown };
