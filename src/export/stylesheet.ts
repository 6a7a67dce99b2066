/**
 * The stylesheet inlined into every HTML export. It lives in the code, not in a file read at run
 * time: the Forge deploy archive holds the bundle, manifest.yml and the package files only, so a
 * file under static/ would be missing on a real site (test/deploy checks the built bundle from
 * another directory). Plain CSS, no external resources.
 */
export const EXPORT_CSS = `:root { color-scheme: light; --text: #172b4d; --muted: #626f86; --border: #dcdfe4; --code-bg: #f4f5f7; }
body { margin: 0; background: #fff; color: var(--text); font: 16px/1.6 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
.page { max-width: 52rem; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
.page-title { font-size: 2rem; margin: 0 0 1.5rem; }
h1, h2, h3, h4, h5, h6 { line-height: 1.3; margin: 1.6em 0 0.6em; }
a { color: #0c66e4; }
img { max-width: 100%; height: auto; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; background: var(--code-bg); padding: 0.1em 0.3em; border-radius: 3px; }
pre { background: var(--code-bg); padding: 0.8em 1em; border-radius: 4px; overflow-x: auto; }
pre code { background: none; padding: 0; }
blockquote { margin: 1em 0; padding: 0 1em; border-left: 3px solid var(--border); color: var(--muted); }
hr { border: 0; border-top: 1px solid var(--border); margin: 2em 0; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid var(--border); padding: 0.4em 0.7em; vertical-align: top; text-align: left; }
th { background: #f7f8f9; }
li.task { list-style: none; }
li.task input { margin: 0 0.4em 0 -1.3em; }
details { margin: 1em 0; padding: 0.5em 1em; border: 1px solid var(--border); border-radius: 4px; }
summary { cursor: pointer; font-weight: 600; }
.panel { margin: 1em 0; padding: 0.6em 1em; border-radius: 4px; border-left: 4px solid; }
.panel-info { background: #e9f2ff; border-color: #1d7afc; }
.panel-note { background: #f3f0ff; border-color: #8270db; }
.panel-tip, .panel-success { background: #dcfff1; border-color: #22a06b; }
.panel-warning { background: #fff7d6; border-color: #e2b203; }
.panel-error { background: #ffeceb; border-color: #e34935; }
.panel-custom { background: #f7f8f9; border-color: #8590a2; }
.status { display: inline-block; padding: 0 0.4em; border-radius: 3px; font-size: 0.8em; font-weight: 700; text-transform: uppercase; background: #dcdfe4; }
.status-green { background: #baf3db; } .status-blue { background: #cce0ff; } .status-red { background: #ffd5d2; }
.status-yellow { background: #f8e6a0; } .status-purple { background: #dfd8fd; }
sup.fnref a { text-decoration: none; }
.comments { margin-top: 3em; border-top: 1px solid var(--border); font-size: 0.95em; }
.comments ol ul { color: var(--muted); }
@media print { .page { max-width: none; padding: 0; } details { border: 0; } a { color: inherit; } }
`;
