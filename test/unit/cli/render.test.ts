import { describe, expect, it } from 'vitest';
import { renderJson } from '../../../src/cli/render/json.js';
import { compareJsonKeys, compareYamlKeys } from '../../../src/cli/render/shape.js';
import { goStringStyle, orderedToYaml, renderYaml } from '../../../src/cli/render/yaml.js';

/** A loaded project as the loader returns it: model keys in input order, plus load metadata. */
function project(): Record<string, any> {
  return {
    workingDir: '/tmp/demo',
    configFiles: ['/tmp/demo/compose.yaml'],
    environment: { HOME: '/root' },
    disabledServices: {},
    'x-top': { b: 1, a: 2 },
    services: {
      web: {
        'x-note': 'kept in yaml',
        image: 'nginx:1.27',
        ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
        environment: { B: 'two words', A: 'price: $5', C: null },
        command: ['nginx', '-g', 'daemon off;'],
        depends_on: { app: { condition: 'service_healthy', required: true, restart: false } },
        networks: { default: null },
        healthcheck: {
          test: ['CMD-SHELL', 'curl -f http://localhost/ && exit 0 || exit 1'],
          interval: '5s',
          retries: 0,
        },
        volumes: [
          {
            type: 'bind',
            source: '/tmp/demo/nginx.conf',
            target: '/etc/nginx/nginx.conf',
            read_only: true,
            bind: { create_host_path: true },
          },
        ],
        env_file: [{ path: '/tmp/demo/.env', required: true }],
        labels: { 'com.example.multi': 'line one\nline two\n' },
      },
      svc10: { image: 'busybox', networks: { default: null }, deploy: { replicas: 2 } },
      svc2: { image: 'busybox', networks: { default: null }, entrypoint: [] },
    },
    networks: { default: { name: 'demo_default', ipam: {}, 'x-n': 1 } },
    volumes: {},
    secrets: { token: { name: 'demo_token', file: '/tmp/demo/token', content: 'SECRET' } },
    name: 'demo',
  };
}

const EXPECTED_YAML = `name: demo
services:
  svc2:
    entrypoint: []
    image: busybox
    networks:
      default: null
  svc10:
    deploy:
      replicas: 2
    image: busybox
    networks:
      default: null
  web:
    command:
      - nginx
      - -g
      - daemon off;
    depends_on:
      app:
        condition: service_healthy
        required: true
    environment:
      A: 'price: $$5'
      B: two words
      C: null
    env_file:
      - path: /tmp/demo/.env
    healthcheck:
      test:
        - CMD-SHELL
        - curl -f http://localhost/ && exit 0 || exit 1
      interval: 5s
      retries: 0
    image: nginx:1.27
    labels:
      com.example.multi: |
        line one
        line two
    networks:
      default: null
    ports:
      - mode: ingress
        target: 80
        published: "8080"
        protocol: tcp
    volumes:
      - type: bind
        source: /tmp/demo/nginx.conf
        target: /etc/nginx/nginx.conf
        read_only: true
        bind: {}
    x-note: kept in yaml
networks:
  default:
    name: demo_default
    x-n: 1
secrets:
  token:
    name: demo_token
    file: /tmp/demo/token
x-top:
  a: 2
  b: 1
`;

describe('renderYaml (docker compose config)', () => {
  it('prints compose-go struct order, go-yaml map order, quoting, $$ and omissions', () => {
    expect(renderYaml(project())).toBe(EXPECTED_YAML);
  });

  it('never prints load metadata', () => {
    const out = renderYaml(project());
    for (const key of ['workingDir', 'configFiles', 'disabledServices', 'HOME'])
      expect(out).not.toContain(key);
  });

  it('keeps $ as is when the model was not interpolated', () => {
    const variable = '$' + '{IMG}'; // a Compose variable, left as written
    expect(
      renderYaml({ name: 'p', services: { a: { image: variable } } }, { escapeDollar: false }),
    ).toContain(`image: ${variable}`);
    expect(renderYaml({ name: 'p', services: { a: { image: 'x$y' } } })).toContain('image: x$$y');
  });

  it('prints a raw model (--no-interpolate) with every key sorted', () => {
    const out = renderYaml(
      { services: { web: { image: 'a', build: '.' } }, name: 'p' },
      { raw: true, escapeDollar: false },
    );
    expect(out).toBe('name: p\nservices:\n  web:\n    build: .\n    image: a\n');
  });

  it('prints an empty services map, as compose does', () => {
    expect(renderYaml({ name: 'p', services: {} })).toBe('name: p\nservices: {}\n');
  });

  it('prints OptOut booleans only when false, secrets never with content', () => {
    const out = renderYaml({
      name: 'p',
      services: {
        a: {
          image: 'x',
          env_file: [{ path: '/e', required: false }],
          volumes: [{ type: 'bind', source: '/s', target: '/t', bind: { create_host_path: false } }],
        },
      },
      configs: { c: { name: 'p_c', environment: 'CFG', content: 'from-env' } },
    });
    expect(out).toContain('required: false');
    expect(out).toContain('create_host_path: false');
    expect(out).not.toContain('from-env');
    expect(out).toContain('environment: CFG');
  });

  it('orders deploy, build and healthcheck fields like compose-go', () => {
    const out = renderYaml({
      name: 'p',
      services: {
        a: {
          healthcheck: {
            disable: false,
            retries: 3,
            test: ['CMD', 'true'],
            start_period: '1s',
            interval: '2s',
            timeout: '3s',
          },
          build: { target: 't', args: { B: '2', A: '1' }, dockerfile: 'Dockerfile', context: '/ctx' },
          deploy: { resources: { limits: { memory: '1024', cpus: 0.5 } }, replicas: 1, mode: 'replicated' },
        },
      },
    });
    expect(out).toBe(`name: p
services:
  a:
    build:
      context: /ctx
      dockerfile: Dockerfile
      args:
        A: "1"
        B: "2"
      target: t
    deploy:
      mode: replicated
      replicas: 1
      resources:
        limits:
          cpus: 0.5
          memory: "1024"
    healthcheck:
      test:
        - CMD
        - "true"
      timeout: 3s
      interval: 2s
      retries: 3
      start_period: 1s
`);
  });
});

describe('go-yaml scalar styles', () => {
  it.each([
    ['plain', 'nginx:1.27', 'PLAIN'],
    ['port pair', '8080:80', 'PLAIN'],
    ['number-like', '80', 'QUOTE_DOUBLE'],
    ['base-60 number', '3000:50', 'QUOTE_DOUBLE'],
    ['YAML 1.1 bool', 'yes', 'QUOTE_DOUBLE'],
    ['null word', 'null', 'QUOTE_DOUBLE'],
    ['empty', '', 'QUOTE_DOUBLE'],
    ['octal', '0755', 'QUOTE_DOUBLE'],
    ['date', '2024-01-01', 'QUOTE_DOUBLE'],
    ['indicator first', '*', 'QUOTE_SINGLE'],
    ['colon space', 'a: b', 'QUOTE_SINGLE'],
    ['comment', 'a #c', 'QUOTE_SINGLE'],
    ['leading space', ' x', 'QUOTE_SINGLE'],
    ['double quote first', '"q"', 'QUOTE_SINGLE'],
    ['tab', 'a\tb', 'QUOTE_DOUBLE'],
    ['multi-line', 'a\nb', 'BLOCK_LITERAL'],
    ['hash inside a word', 'a#c', 'PLAIN'],
    ['dash word', '-x', 'PLAIN'],
  ])('%s: %j → %s', (_name, input, style) => {
    expect(goStringStyle(input)).toBe(style);
  });

  it('writes empty collections in flow style and null as null', () => {
    expect(
      orderedToYaml(
        new Map<string, any>([
          ['a', new Map()],
          ['b', []],
          ['c', null],
        ]),
      ),
    ).toBe('a: {}\nb: []\nc: null\n');
  });
});

describe('map key order', () => {
  it('go-yaml sorts digit runs by value and letters before other characters', () => {
    const keys = ['a10', 'a2', 'a1', 'b', 'A', '_x', '1', '10', '2', 'a01', 'svc-1', 'svc1', 'ab'];
    expect([...keys].sort(compareYamlKeys)).toEqual([
      '_x',
      '1',
      '2',
      '10',
      'A',
      'a1',
      'a01',
      'a2',
      'a10',
      'ab',
      'b',
      'svc-1',
      'svc1',
    ]);
  });

  it('encoding/json sorts bytewise', () => {
    expect(['svc2', 'svc10', 'a', 'B'].sort(compareJsonKeys)).toEqual(['B', 'a', 'svc10', 'svc2']);
  });
});

describe('renderJson (docker compose config --format json)', () => {
  const out = renderJson(project());
  const parsed = JSON.parse(out.replaceAll('$$', '$'));

  it('has no trailing newline and two-space indentation', () => {
    expect(out.endsWith('}')).toBe(true);
    expect(out.startsWith('{\n  "name": "demo",\n  "networks": {')).toBe(true);
  });

  it('sorts top-level keys (a Go map) and keeps struct order inside services', () => {
    expect(Object.keys(parsed)).toEqual(['name', 'networks', 'secrets', 'services', 'x-top']);
    expect(Object.keys(parsed.services)).toEqual(['svc10', 'svc2', 'web']);
    expect(Object.keys(parsed.services.web)).toEqual([
      'command',
      'depends_on',
      'entrypoint',
      'environment',
      'env_file',
      'healthcheck',
      'image',
      'labels',
      'networks',
      'ports',
      'volumes',
    ]);
  });

  it('prints command/entrypoint as null when unset and [] when cleared', () => {
    expect(parsed.services.svc10.command).toBeNull();
    expect(parsed.services.svc10.entrypoint).toBeNull();
    expect(parsed.services.svc2.entrypoint).toEqual([]);
  });

  it('prints non-pointer structs even when empty (ipam, deploy resources/placement)', () => {
    expect(parsed.networks.default).toEqual({ name: 'demo_default', ipam: {} });
    expect(parsed.services.svc10.deploy).toEqual({ replicas: 2, resources: {}, placement: {} });
  });

  it('drops nested x-* extensions but keeps top-level ones', () => {
    expect(parsed.services.web['x-note']).toBeUndefined();
    expect(parsed['x-top']).toEqual({ a: 2, b: 1 });
  });

  it('escapes HTML characters as Go does, and $ as $$', () => {
    expect(out).toContain('curl -f http://localhost/ \\u0026\\u0026 exit 0 || exit 1');
    expect(out).toContain('"A": "price: $$5"');
  });

  it('hides secret content and OptOut trues', () => {
    expect(parsed.secrets.token).toEqual({ name: 'demo_token', file: '/tmp/demo/token' });
    expect(parsed.services.web.env_file).toEqual([{ path: '/tmp/demo/.env' }]);
    expect(parsed.services.web.volumes[0].bind).toEqual({});
  });

  it('prints a raw model with every key sorted', () => {
    expect(
      renderJson({ services: { a: { image: 'x' } }, name: 'p' }, { raw: true, escapeDollar: false }),
    ).toBe('{\n  "name": "p",\n  "services": {\n    "a": {\n      "image": "x"\n    }\n  }\n}');
  });
});

describe('raw form (--no-interpolate)', () => {
  it('still hides loaded secret content', () => {
    const out = renderYaml(
      { name: 'p', services: {}, secrets: { s: { name: 'p_s', environment: 'TOKEN', content: 'hunter2' } } },
      { raw: true, escapeDollar: false },
    );
    expect(out).not.toContain('hunter2');
    expect(out).toContain('environment: TOKEN');
  });
});
