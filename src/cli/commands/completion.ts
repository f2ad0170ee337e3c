/**
 * `berth completion bash|zsh`: prints a shell completion script for berth, built from this very
 * program's commands and options (src/cli/completion). Service names complete at completion time
 * through `berth config --services`.
 */
import type { Command } from 'commander';
import { Argument } from 'commander';
import type { CliIo } from '../program.js';

export function registerCompletion(program: Command, io: CliIo): void {
  program
    .command('completion')
    .description('Print a shell completion script (bash or zsh)')
    .addArgument(new Argument('<shell>', 'Shell to complete in').choices(['bash', 'zsh']))
    .addHelpText(
      'after',
      '\nLoad it in the current shell:\n  source <(berth completion bash)   # or zsh, after compinit\n',
    )
    .action(async (shell: 'bash' | 'zsh') => {
      const { programSpec } = await import('../completion/spec.js');
      const spec = programSpec(program);
      if (shell === 'bash') {
        const { bashCompletion } = await import('../completion/bash.js');
        io.out(bashCompletion(spec));
      } else {
        const { zshCompletion } = await import('../completion/zsh.js');
        io.out(zshCompletion(spec));
      }
    });
}
