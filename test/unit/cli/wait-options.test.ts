import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/program.ts';

function allCommands(command: Command): Command[] {
  return [command, ...command.commands.flatMap(allCommands)];
}

const path = (command: Command): string => (command.parent ? `${path(command.parent)} ${command.name()}` : command.name());

/** The commands that wait for a job: those with --wait or --no-wait, and backfill, which always waits. */
const waiting = allCommands(await buildProgram()).filter(
  (command) => command.options.some((option) => option.long === '--wait' || option.long === '--no-wait') || command.name() === 'backfill',
);

describe('commands that wait for a job', () => {
  it('are the ones the README lists', () => {
    expect(waiting.map(path).sort()).toEqual(['idsync audit', 'idsync backfill', 'idsync cleanup confirm', 'idsync cleanup run', 'idsync reconcile', 'idsync staff create']);
  });

  it.each(waiting.map((command) => [path(command), command] as const))('%s has a --timeout with a default, in whole seconds, that the --help shows', (_name, command) => {
    const timeout = command.options.find((option) => option.long === '--timeout');
    expect(timeout?.defaultValue).toEqual(expect.any(Number));
    expect(timeout?.defaultValue).toBeGreaterThan(0);
    expect(timeout?.defaultValueDescription).toBe(String((timeout?.defaultValue as number) / 1000));
  });

  it.each(waiting.map((command) => [path(command), command] as const))('%s refuses a --timeout that is no positive number with IDSYNC_ERR_USAGE, as it parses', (_name, command) => {
    const timeout = command.options.find((option) => option.long === '--timeout');
    for (const bad of ['soon', '0', '-5', '']) expect(() => timeout?.parseArg?.(bad, undefined)).toThrow(expect.objectContaining({ code: 'IDSYNC_ERR_USAGE' }));
    expect(timeout?.parseArg?.('1.5', undefined)).toBe(1500);
  });
});
