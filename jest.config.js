// ESM-only packages (mdast-util-*, micromark*, p-limit, fflate's ESM entry …) are transformed to
// CommonJS by @swc/jest like our own TypeScript, instead of running jest in experimental ESM mode.
const esmOnly = [
  'mdast-util-.*', 'micromark.*', 'unist-.*', 'zwitch', 'longest-streak', 'markdown-table', 'ccount',
  'character-entities.*', 'decode-named-character-reference', 'devlop', 'escape-string-regexp',
  'p-limit', 'yocto-queue', 'mdast-.*', 'unified', 'bail', 'is-plain-obj', 'trough', 'vfile.*',
  'trim-lines', 'character-reference-invalid', 'is-.*', 'parse-entities', 'stringify-entities',
  // sanitize-html's parser and its (nested) DOM helpers ship only as ESM.
  'htmlparser2', 'domhandler', 'domutils', 'dom-serializer', 'domelementtype', 'entities',
  'html-void-elements', 'property-information', 'space-separated-tokens', 'comma-separated-tokens',
  'github-slugger',
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', {
      jsc: { parser: { syntax: 'typescript', tsx: true }, transform: { react: { runtime: 'automatic' } }, target: 'es2022' },
      module: { type: 'commonjs' },
    }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  setupFiles: ['<rootDir>/test/setup-bridge.ts'],
  testTimeout: 30000,
};
