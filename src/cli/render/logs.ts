/**
 * Container log lines as compose prints them in attached `up` and `logs` (docker/compose
 * cmd/formatter/logs.go): `<name><pad> | <line>`, the name being the container name without the
 * `<project>-` prefix (`web-1`), padded to the longest attached name plus one, coloured per service;
 * `--timestamps` puts the engine's time between prefix and line; `--no-log-prefix` prints the bare line.
 * Status lines (`web-1 exited with code 0`) carry no `|`. Pure: writes through the given function.
 */
import type { Paint } from './color.js';

export interface LogPrinterOptions {
  /** Display names of every container that may print, to size the prefix column. */
  names: string[];
  prefix: boolean;
  timestamps: boolean;
  /** The colour of a container's prefix. */
  colorOf: (name: string) => Paint;
}

/** `demo-web-1` → `web-1`; a `container_name` stays as it is (compose getContainerNameWithoutProject). */
export function displayName(containerName: string, project: string, service: string): string {
  return containerName.startsWith(`${project}-${service}-`)
    ? containerName.slice(project.length + 1)
    : containerName;
}

export class LogPrinter {
  private width: number;

  constructor(
    private readonly write: (text: string) => void,
    private readonly options: LogPrinterOptions,
  ) {
    this.width = Math.max(0, ...options.names.map((n) => n.length)) + 1;
  }

  /** A container that may print from now on (`logs -f` picking up a new one): widens the column. */
  register(name: string): void {
    this.width = Math.max(this.width, name.length + 1);
  }

  line(name: string, text: string, timestamp?: string): void {
    const ts = this.options.timestamps && timestamp ? `${timestamp} ` : '';
    if (!this.options.prefix) {
      this.write(`${ts}${text}\n`);
      return;
    }
    this.write(`${this.options.colorOf(name)(`${name.padEnd(this.width)} |`)} ${ts}${text}\n`);
  }

  status(name: string, message: string): void {
    this.write(`${this.options.colorOf(name)(`${name} ${message}`)}\n`);
  }
}
