/**
 * A command that finishes with a specific exit status but nothing to report as an error (`up
 * --exit-code-from`, an interrupted `up` → 130) throws this; main() returns its code and prints nothing.
 */
export class CommandExit extends Error {
  override readonly name = 'CommandExit';

  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
