/**
 * `berth login [-u USER] [-p PASS | --password-stdin] [SERVER]` (docker/cli cli/command/registry/
 * login.go): checks the credentials against the registry's `/v2/`, then stores them in the docker
 * config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, or its `credsStore` helper), so
 * both berth and docker use them. Prints `Login Succeeded`.
 */
import type { Command } from 'commander';
import type { CliIo } from '../program.js';

interface LoginFlags {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
  insecureRegistry?: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Reads one line from the terminal; `hidden` turns the echo off (passwords). */
async function prompt(question: string, hidden: boolean, io: CliIo): Promise<string> {
  io.out(question);
  const stdin = process.stdin;
  if (!hidden) {
    const { createInterface } = await import('node:readline');
    const rl = createInterface({ input: stdin });
    try {
      return await new Promise<string>((resolve) => rl.once('line', resolve));
    } finally {
      rl.close();
    }
  }
  return new Promise<string>((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      io.out('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('interrupted'));
        if (ch === '\u007f') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function runLogin(server: string | undefined, flags: LoginFlags, io: CliIo): Promise<void> {
  const { BerthError } = await import('../../api/errors.js');
  if (flags.password !== undefined && flags.passwordStdin) {
    throw new BerthError('USAGE', '--password and --password-stdin are mutually exclusive');
  }
  let username = flags.username;
  let password = flags.password;
  if (flags.passwordStdin) {
    if (!username) throw new BerthError('USAGE', 'Must provide --username with --password-stdin');
    const text = io.readStdin ? await io.readStdin() : '';
    password = text.replace(/\r?\n$/, '');
  } else if (password !== undefined) {
    io.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  }
  const interactive = process.stdin.isTTY === true;
  if (!username) {
    if (!interactive) throw new BerthError('USAGE', 'no username given', { hint: 'use -u USER' });
    username = (await prompt('Username: ', false, io)).trim();
  }
  if (!password) {
    if (!interactive) {
      throw new BerthError('USAGE', 'no password given', { hint: 'use --password-stdin or -p PASS' });
    }
    password = await prompt('Password: ', true, io);
  }
  if (!username || !password) throw new BerthError('USAGE', 'Error: Non-null Username and Password Required');
  const { login } = await import('../../engine/images/auth.js');
  const result = await login({
    username,
    password,
    env: io.env,
    insecureRegistries: flags.insecureRegistry,
    ...(server ? { server } : {}),
  });
  if (!result.storedIn.startsWith('docker-credential-')) {
    io.err(
      `WARNING! Your password will be stored unencrypted in ${result.storedIn}.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/engine/reference/commandline/login/#credentials-store\n\n`,
    );
  }
  io.out('Login Succeeded\n');
}

export function registerLogin(program: Command, io: CliIo): void {
  program
    .command('login')
    .description('Log in to a registry (stored in the docker config, used by berth and docker)')
    .argument('[server]', 'Registry address (default: Docker Hub)')
    .option('-u, --username <username>', 'Username')
    .option('-p, --password <password>', 'Password')
    .option('--password-stdin', 'Take the password from stdin')
    .option('--insecure-registry <host>', 'Use plain http for this registry (repeatable)', collect)
    .action((server: string | undefined, flags: LoginFlags) => runLogin(server, flags, io));
}
