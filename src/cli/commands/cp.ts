/**
 * `berth cp [OPTIONS] SERVICE:SRC_PATH DEST_PATH|-` and `berth cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH`
 * (docker/compose cmd/compose/cp.go): copy files and folders between a service container and the
 * local filesystem, `-` being a tar stream on stdout/stdin. `--index` picks a replica, `--all`
 * includes one-off containers, `-a` keeps uid/gid, `-L` follows a source symlink. Progress
 * (`Copying`/`Copied`) goes to stderr like every command's.
 */
import type { Command } from 'commander';
import type { CliIo, GlobalOptions } from '../program.js';
import { parseIndex } from './exec.js';

interface CpFlags {
  index?: number;
  all?: boolean;
  archive?: boolean;
  followLink?: boolean;
}

export function registerCp(program: Command, io: CliIo): void {
  program
    .command('cp')
    .description('Copy files/folders between a service container and the local filesystem')
    .usage('[OPTIONS] SERVICE:SRC_PATH DEST_PATH|-\n       berth cp [OPTIONS] SRC_PATH|- SERVICE:DEST_PATH')
    .argument('<source>', 'SERVICE:SRC_PATH, a local path, or - (a tar on stdin)')
    .argument('<destination>', 'SERVICE:DEST_PATH, a local path, or - (a tar on stdout)')
    .option('--index <n>', 'Index of the container if service has multiple replicas', parseIndex)
    .option('--all', 'Include containers created by the run command')
    .option('-a, --archive', 'Archive mode (copy all uid/gid information)')
    .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH')
    .action(async (source: string, destination: string, _flags: CpFlags, cmd: Command) => {
      await runCp(source, destination, cmd.optsWithGlobals<CpFlags & GlobalOptions>(), io);
    });
}

async function runCp(source: string, destination: string, opts: CpFlags & GlobalOptions, io: CliIo) {
  const { projectOrName } = await import('../project-options.js');
  const { project, name } = await projectOrName(opts, io);
  const { cp } = await import('../../verbs/cp.js');
  const { cliProgress } = await import('../render/progress.js');
  const progress = await cliProgress(opts, io.env, io.err, 'Copying');
  try {
    await cp(project ?? name, source, destination, {
      env: io.env,
      onEvent: progress.onEvent,
      index: opts.index,
      all: opts.all,
      archive: opts.archive,
      followLink: opts.followLink,
      cwd: io.cwd,
      stdout: process.stdout,
      stdin: process.stdin,
    });
  } finally {
    progress.done();
  }
}
