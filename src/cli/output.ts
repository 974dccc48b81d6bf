/** Prints a command's result: JSON for machines with --json, the text form otherwise. */
export function printResult(json: boolean, result: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${text}\n`);
}
