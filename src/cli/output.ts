/** A command's help epilogue: the example command lines, one a line. */
export function examples(...lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

/** Prints a command's result: JSON for machines with --json, the text form otherwise. */
export function printResult(json: boolean, result: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${text}\n`);
}
