/** Module specifiers of static imports and re-exports, `import()` and `require()`, with their line. */
export function importsOf(source: string): { specifier: string; line: number }[] {
  // Block comments blanked, newlines kept: a comment quoting an import is not one, and line numbers stay right.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ' ')).replace(/^\s*\/\/.*$/gm, '');
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"]([^'"\n]+)['"]/g;
  return [...code.matchAll(pattern)].map((match) => ({
    specifier: match[1],
    line: code.slice(0, match.index).split('\n').length,
  }));
}
