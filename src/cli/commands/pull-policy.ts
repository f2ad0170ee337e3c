/**
 * `--pull <policy>` of up, create and run (compose's flag): the option, and the policy it hands the
 * verb — `policy` (each service's own pull_policy) being the verb's default, it hands none.
 */
import { Option } from 'commander';
import type { PullPolicy } from '../../api/verbs.js';

/** The option; `create` also takes `build`. */
export function pullOption(choices = ['always', 'missing', 'never', 'policy']): Option {
  return new Option('--pull <policy>', 'Pull image before running').choices(choices);
}

export function pullPolicy(flag: string | undefined): PullPolicy | undefined {
  return flag === undefined || flag === 'policy' ? undefined : (flag as PullPolicy);
}
