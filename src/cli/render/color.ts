/**
 * When the CLI may print ANSI colours, and the palette for per-service log prefixes. NO_COLOR
 * (https://no-color.org: any non-empty value) and `--no-color` switch colours off; `--ansi never|always`
 * (compose's global flag) overrides the TTY check; otherwise colours only go to a terminal.
 */

export interface ColorInputs {
  env: Record<string, string | undefined>;
  isTTY: boolean;
  /** `--ansi`. */
  ansi?: string;
  /** `--no-color` on the command. */
  noColor?: boolean;
}

export function colorEnabled({ env, isTTY, ansi, noColor }: ColorInputs): boolean {
  if (noColor || ansi === 'never') return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (ansi === 'always') return true;
  return isTTY;
}

export type Paint = (text: string) => string;

const sgr =
  (code: string): Paint =>
  (text) =>
    `\x1b[${code}m${text}\x1b[0m`;

export const identity: Paint = (text) => text;

export const paint = {
  green: sgr('32'),
  red: sgr('31'),
  yellow: sgr('33'),
  blue: sgr('34'),
  dim: sgr('2'),
};

/**
 * Log-prefix colours, as compose rotates them (cmd/formatter/colors.go): plain then bold variants of
 * cyan, yellow, green, magenta, blue — red is left out so a prefix never reads as an error.
 */
const RAINBOW = ['36', '33', '32', '35', '34', '1;36', '1;33', '1;32', '1;35', '1;34'];

/** One stable colour per service: by the service's index in the sorted service names. */
export function serviceColors(services: Iterable<string>, enabled: boolean): (service: string) => Paint {
  const sorted = [...new Set(services)].sort();
  return (service) => {
    if (!enabled) return identity;
    const i = sorted.indexOf(service);
    return sgr(RAINBOW[(i < 0 ? sorted.length : i) % RAINBOW.length]!);
  };
}
