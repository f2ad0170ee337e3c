/**
 * `berth completion bash|zsh`: the scripts are generated from the real commander program. The bash one
 * is sourced in `bash -c` and its function called with COMP_WORDS/COMP_CWORD set, the way bash calls
 * it on TAB; `berth` is a shell function there that records its arguments and prints two service
 * names, so the test sees how service names are asked for. The zsh one is checked for its structure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bashCompletion } from '../../../src/cli/completion/bash.js';
import { argumentAt, programSpec } from '../../../src/cli/completion/spec.js';
import { zshCompletion } from '../../../src/cli/completion/zsh.js';
import { main } from '../../../src/cli/main.js';
import { buildProgram, type CliIo } from '../../../src/cli/program.js';

const io: CliIo = { out: () => {}, err: () => {}, env: {}, cwd: '/' };
const spec = () => programSpec(buildProgram(io));

let dir: string;
let script: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-completion-'));
  script = join(dir, 'berth.bash');
  writeFileSync(script, bashCompletion(spec()));
  writeFileSync(join(dir, 'compose.yaml'), 'services: {}\n');
  writeFileSync(join(dir, 'compose.override.yaml'), 'services: {}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Completes `words` (the last one being typed) and returns COMPREPLY, plus what `berth` was asked. */
function complete(...words: string[]): { reply: string[]; calls: string[] } {
  const program = `
berth() { local IFS=' '; printf '%s\\n' "$*" >> "$CALLS"; printf 'web\\nworker\\ndb\\n'; }
source "$SCRIPT"
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_berth
printf '%s\\n' "\${COMPREPLY[@]}"
`;
  const calls = join(dir, `calls-${Math.random().toString(36).slice(2)}`);
  writeFileSync(calls, '');
  const r = spawnSync('bash', ['-c', program], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, SCRIPT: script, CALLS: calls },
  });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const recorded = spawnSync('cat', [calls], { encoding: 'utf8' }).stdout;
  return {
    reply: r.stdout.split('\n').filter((l) => l !== ''),
    calls: recorded.split('\n').filter((l) => l !== ''),
  };
}

describe('programSpec', () => {
  it('reads commands, options and arguments from the commander program', () => {
    const s = spec();
    const names = s.commands.map((c) => c.name);
    for (const c of ['up', 'down', 'ps', 'port', 'top', 'events', 'ls', 'stats', 'version', 'completion']) {
      expect(names).toContain(c);
    }
    expect(names).not.toContain('help');
    expect(s.globalOptions.find((o) => o.names.includes('--file'))).toMatchObject({
      names: ['-f', '--file'],
      takesValue: true,
      value: { kind: 'file' },
      repeatable: true,
    });
    const port = s.commands.find((c) => c.name === 'port')!;
    expect(port.args.map((a) => a.value.kind)).toEqual(['service', 'none']);
    expect(port.options.find((o) => o.names.includes('--protocol'))?.takesValue).toBe(true);
    const completion = s.commands.find((c) => c.name === 'completion')!;
    expect(completion.args[0]?.value).toEqual({ kind: 'choice', choices: ['bash', 'zsh'] });
  });

  it('repeats a variadic last argument', () => {
    const args = spec().commands.find((c) => c.name === 'up')!.args;
    expect(argumentAt(args, 0)?.value.kind).toBe('service');
    expect(argumentAt(args, 5)?.value.kind).toBe('service');
    const port = spec().commands.find((c) => c.name === 'port')!.args;
    expect(argumentAt(port, 2)).toBeUndefined();
  });
});

describe('bash completion', () => {
  it('is valid bash', () => {
    const r = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('completes commands and global options before the command', () => {
    expect(complete('berth', 'p').reply).toEqual(expect.arrayContaining(['ps', 'port', 'pause', 'pull']));
    expect(complete('berth', 'st').reply.sort()).toEqual(['start', 'stats', 'stop']);
    expect(complete('berth', '--pro').reply.sort()).toEqual([
      '--profile',
      '--progress',
      '--project-directory',
      '--project-name',
    ]);
    expect(complete('berth', '-f', 'compose.yaml', 'l').reply.sort()).toEqual([
      'login',
      'logout',
      'logs',
      'ls',
    ]);
  });

  it("completes a command's own options", () => {
    expect(complete('berth', 'ls', '--f').reply.sort()).toEqual(['--filter', '--format']);
    expect(complete('berth', 'stats', '--no-').reply.sort()).toEqual(['--no-stream', '--no-trunc']);
    expect(complete('berth', 'events', '--').reply).toEqual(
      expect.arrayContaining(['--json', '--since', '--until']),
    );
  });

  it('completes option values with choices, and file names for --file', () => {
    expect(complete('berth', '--progress', '').reply).toEqual(['auto', 'tty', 'plain', 'json', 'quiet']);
    expect(complete('berth', 'version', '--format', 'j').reply).toEqual(['json']);
    expect(complete('berth', 'up', '--pull', 'm').reply).toEqual(['missing']);
    // `--opt=value`: bash splits at `=`.
    expect(complete('berth', '--ansi', '=', 'n').reply).toEqual(['never']);
    expect(complete('berth', '-f', 'compose.o').reply).toEqual(['compose.override.yaml']);
    expect(complete('berth', '--file', '=', 'compose.o').reply).toEqual(['compose.override.yaml']);
    expect(complete('berth', 'completion', '').reply).toEqual(['bash', 'zsh']);
  });

  it('completes service names from `berth config --services`, with the project flags typed', () => {
    const r = complete('berth', '-p', 'demo', '--file', 'compose.yaml', '--ansi', 'never', 'up', '-d', 'w');
    expect(r.reply).toEqual(['web', 'worker']);
    expect(r.calls).toEqual(['-p demo --file compose.yaml config --services']);
    // A command's own `-f` (logs --follow) is not a project flag.
    const logs = complete('berth', '-f', 'a.yaml', 'logs', '-f', '');
    expect(logs.reply).toEqual(['web', 'worker', 'db']);
    expect(logs.calls).toEqual(['-f a.yaml config --services']);
  });

  it('completes a service only where the command takes one', () => {
    expect(complete('berth', 'port', '').reply).toEqual(['web', 'worker', 'db']);
    expect(complete('berth', 'port', 'web', '').reply).toEqual([]);
    // An option's value is not a positional argument.
    expect(complete('berth', 'port', '--protocol', 'udp', '').reply).toEqual(['web', 'worker', 'db']);
    expect(complete('berth', 'ls', '').reply).toEqual([]);
  });
});

describe('zsh completion', () => {
  it('declares every command with its options and arguments', () => {
    const text = zshCompletion(spec());
    expect(text.startsWith('#compdef berth\n')).toBe(true);
    expect(text).toContain("'up:Create and start containers'");
    expect(text).toContain('\'*-f+[Compose configuration files (repeatable; "-" reads stdin)]:file:_files\'');
    expect(text).toMatch(
      /\(port\)\n\s+_arguments -S \\\n(.*\n)*?\s+'1:service:__berth_services' \\\n\s+'2:private_port: '/,
    );
    expect(text).toContain("'1:shell:(bash zsh)'");
    expect(text).toContain('config --services');
    expect(text).toContain('compdef _berth berth');
  });
});

describe('berth completion (CLI)', () => {
  it('prints the script for the shell asked for, and refuses others', async () => {
    let out = '';
    let err = '';
    const cli: CliIo = { out: (s) => void (out += s), err: (s) => void (err += s), env: {}, cwd: dir };
    expect(await main(['node', 'berth', 'completion', 'bash'], cli)).toBe(0);
    expect(out).toContain('complete -F _berth berth');
    out = '';
    expect(await main(['node', 'berth', 'completion', 'zsh'], cli)).toBe(0);
    expect(out).toContain('#compdef berth');
    expect(await main(['node', 'berth', 'completion', 'fish'], cli)).toBe(1);
    expect(err).toContain('fish');
  });
});
