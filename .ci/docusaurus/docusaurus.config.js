// Minimal site for .ci/real-tools: the exported tree under docs/ (copied in by the script), a home
// page of its own (a site supplies it, an export does not), every link check set to throw.
module.exports = {
  title: 'Content Toolkit export check',
  url: 'https://example.invalid',
  baseUrl: '/',
  onBrokenLinks: 'throw',
  onBrokenAnchors: 'throw',
  // The exported pages are CommonMark (.md), not MDX: Docusaurus 3 parses them as such with 'detect'.
  markdown: { format: 'detect', hooks: { onBrokenMarkdownLinks: 'throw', onBrokenMarkdownImages: 'throw' } },
  presets: [
    ['classic', {
      docs: { routeBasePath: '/', sidebarPath: require.resolve('./sidebars.js') },
      blog: false,
      theme: {},
    }],
  ],
};
