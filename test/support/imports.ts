import * as ts from 'typescript';

/**
 * Module specifiers of static imports and re-exports, `import()` and `require()`, with their line, as
 * TypeScript's own pre-processor reads them (so a comment or a string that looks like an import is not one).
 */
export function importsOf(source: string): { specifier: string; line: number }[] {
  const file = ts.createSourceFile('imports.ts', source, ts.ScriptTarget.Latest);
  return ts.preProcessFile(source, true, true).importedFiles.map((imported) => ({
    specifier: imported.fileName,
    line: file.getLineAndCharacterOfPosition(imported.pos).line + 1,
  }));
}
