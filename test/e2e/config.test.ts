/**
 * `berth config` as a user runs it: the built CLI (`node bin/berth.js`, so `npm run build` first —
 * `npm test` does) on the examples, with a clean environment (no COMPOSE_* leaking in from the shell).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, berth, repo } from '../support/cli.js';

const example = join(repo, 'examples', 'nginx-springboot');
const exampleFile = join(example, 'compose.yaml');

let scratch: string;
beforeAll(() => {
  assertCliBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'berth-e2e-'));
});
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('berth config on examples/nginx-springboot', () => {
  it('prints the normalized model as YAML', () => {
    const r = berth(['-f', exampleFile, 'config']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('name: nginx-springboot\nservices:\n  app:\n    build:\n')).toBe(true);
    expect(r.stdout).toContain(`      context: ${join(example, 'app')}\n      dockerfile: Dockerfile\n`);
    expect(r.stdout).toContain('        JDK_IMAGE: eclipse-temurin:17-jdk\n');
    expect(r.stdout).toContain('        published: "80"\n');
    expect(r.stdout).toContain(`        source: ${join(example, 'nginx', 'nginx.conf')}\n`);
    expect(r.stdout).toContain('networks:\n  default:\n    name: nginx-springboot_default\n');
    expect(r.stdout.endsWith('\n')).toBe(true);
  });

  it('prints the JSON shape of docker compose config --format json', () => {
    const r = berth(['-f', exampleFile, 'config', '--format', 'json']);
    expect(r.status).toBe(0);
    expect(r.stdout.endsWith('}')).toBe(true); // no trailing newline, as compose
    const p = JSON.parse(r.stdout);
    expect(p.name).toBe('nginx-springboot');
    expect(Object.keys(p.services)).toEqual(['app', 'nginx']);
    expect(p.services.nginx.depends_on).toEqual({ app: { condition: 'service_healthy', required: true } });
    expect(p.services.nginx.ports).toEqual([
      { mode: 'ingress', target: 80, published: '80', protocol: 'tcp' },
    ]);
    expect(p.services.nginx.command).toBeNull();
    expect(p.services.app.healthcheck.start_period).toBe('20s');
    expect(p.services.app.environment).toEqual({ GREETING: 'Hello from berth', PORT: '8080' });
    expect(p.networks.default).toEqual({ name: 'nginx-springboot_default', ipam: {} });
  });

  it('interpolates from the environment', () => {
    const r = berth(['-f', exampleFile, 'config', '--format', 'json'], {
      env: { HTTP_PORT: '8080', NGINX_IMAGE: 'nginx:1.27-alpine', GREETING: 'cost: $5' },
    });
    expect(r.status).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.services.nginx.ports[0].published).toBe('8080');
    expect(p.services.nginx.image).toBe('nginx:1.27-alpine');
    // `$` in values is printed re-escaped, so the output can be loaded again.
    expect(p.services.app.environment.GREETING).toBe('cost: $$5');
  });

  it('--services lists dependencies first', () => {
    const r = berth(['-f', exampleFile, 'config', '--services']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('app\nnginx\n');
  });

  it('--hash prints stable per-service hashes that follow the service config', () => {
    const all = berth(['-f', exampleFile, 'config', '--hash', '*']);
    expect(all.status).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['app', 'nginx']);
    for (const l of lines) expect(l).toMatch(/^[a-z]+ [0-9a-f]{64}$/);
    expect(berth(['-f', exampleFile, 'config', '--hash', '*']).stdout).toBe(all.stdout);

    const one = berth(['-f', exampleFile, 'config', '--hash', 'nginx']);
    expect(one.stdout).toBe(`${lines[1]}\n`);

    const changed = berth(['-f', exampleFile, 'config', '--hash', 'app,nginx'], { env: { GREETING: 'hi' } });
    const [app, nginx] = changed.stdout.trim().split('\n');
    expect(app).not.toBe(lines[0]);
    expect(nginx).toBe(lines[1]);
  });

  it('--hash of an unknown service fails', () => {
    const r = berth(['-f', exampleFile, 'config', '--hash', 'nope']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error: no such service: nope');
  });

  it('--images, --volumes, --networks, --profiles', () => {
    expect(berth(['-f', exampleFile, 'config', '--images']).stdout).toBe(
      'nginx-springboot-app\nnginx:1.27\n',
    );
    expect(berth(['-f', exampleFile, 'config', '--networks']).stdout).toBe('default\n');
    expect(berth(['-f', exampleFile, 'config', '--volumes']).stdout).toBe('');
    expect(berth(['-f', exampleFile, 'config', '--profiles']).stdout).toBe('');
  });

  it('-q validates and prints nothing', () => {
    const r = berth(['-f', exampleFile, 'config', '-q']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('');
  });

  it('-o writes the output to a file', () => {
    const file = join(scratch, 'out.yaml');
    const r = berth(['-f', exampleFile, 'config', '-o', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(berth(['-f', exampleFile, 'config']).stdout);
  });
});

describe('berth config input and errors', () => {
  it('reads -f - from stdin', () => {
    const tag = '$' + '{TAG:-1.27}'; // a Compose variable with a default
    const input = `services:\n  web:\n    image: nginx:${tag}\n    command: echo $$HOME\n`;
    const r = berth(['-f', '-', '-p', 'fromstdin', 'config'], { input, cwd: scratch });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      'name: fromstdin\nservices:\n  web:\n    command:\n      - echo\n      - $$HOME\n    image: nginx:1.27\n' +
        '    networks:\n      default: null\nnetworks:\n  default:\n    name: fromstdin_default\n',
    );
  });

  it('reports file:line:col and the YAML path, exits 1, without a stack trace', () => {
    const dir = mkdtempSync(join(scratch, 'bad-'));
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: nginx\n    imagee: typo\n');
    const r = berth(['config'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: .*compose\.yaml:4:5: services\.web: unknown key "imagee"\n/);
    expect(r.stderr).toContain('hint: did you mean "image"?');
    expect(r.stderr).not.toMatch(/^\s+at /m);

    const debug = berth(['--debug', 'config'], { cwd: dir });
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it('fails when no compose file is found', () => {
    const dir = mkdtempSync(join(scratch, 'empty-'));
    const r = berth(['config'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('rejects usage errors with exit code 1, like docker compose', () => {
    const flag = berth(['config', '--no-such-flag']);
    expect(flag.status).toBe(1);
    expect(flag.stderr).toContain("unknown option '--no-such-flag'");
    const format = berth(['-f', exampleFile, 'config', '--format', 'toml']);
    expect(format.status).toBe(1);
    expect(format.stderr).toContain('error: unsupported format "toml"');
    const command = berth(['no-such-command']);
    expect(command.status).toBe(1);
  });

  it('--version and --help exit 0', () => {
    const version = berth(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^berth version \d+\.\d+\.\d+/);
    const help = berth(['config', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--no-interpolate');
  });
});
