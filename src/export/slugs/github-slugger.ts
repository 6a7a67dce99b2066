/**
 * The `github-slugger` npm package (v2.0.0, https://github.com/Flet/github-slugger), the slug rules
 * GitHub's Markdown renderer uses for heading anchors and that Docusaurus uses too
 * (`@docusaurus/utils` createSlugger wraps it). Same API as the package's default export, so
 * replacing this file by `export { default as GithubSlugger, slug } from 'github-slugger';` is a
 * one-line swap once the dependency is added.
 *
 * What it removes (script/generate-regex.mjs of the package): Unicode Other_Number, every
 * punctuation category except `-`, symbols, controls, private use, format, unassigned and separators
 * except the ASCII space, keeping alphabetic characters. Spaces become `-`; no trimming.
 * The package's tables are Unicode 13's, this regex the runtime's (newer): a character assigned
 * since Unicode 13 is kept here and stripped by the package. Compared with github-slugger 1.5.0
 * (what Docusaurus 3.10 uses) over U+0000–U+2FFFF, that is the only difference (6,310 code points
 * assigned after Unicode 13, e.g. Arabic Extended-B U+0870…); repeats number the same.
 */
const STRIP = /[^\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\p{Alphabetic} -]/gu;

/** One slug, without uniqueness: lower case (unless `maintainCase`), stripped, spaces to `-`. */
export function slug(value: string, maintainCase = false): string {
  if (typeof value !== 'string') return '';
  return (maintainCase ? value : value.toLowerCase()).replace(STRIP, '').replace(/ /g, '-');
}

/** Unique slugs within one document: a repeated slug gets `-1`, `-2` … (skipping taken ones). */
export class GithubSlugger {
  private occurrences: Record<string, number> = Object.create(null) as Record<string, number>;

  slug(value: string, maintainCase = false): string {
    let result = slug(value, maintainCase);
    const original = result;
    while (Object.hasOwn(this.occurrences, result)) {
      this.occurrences[original] = (this.occurrences[original] ?? 0) + 1;
      result = `${original}-${this.occurrences[original]}`;
    }
    this.occurrences[result] = 0;
    return result;
  }

  reset(): void {
    this.occurrences = Object.create(null) as Record<string, number>;
  }
}
