/**
 * The offline stand-ins for the public images the examples use, made from Debian packages (see
 * debian.ts). Two debootstrap runs make everything:
 * - `services` (nginx, postgresql, redis-server, python3 with psycopg2 and redis): one rootfs, four
 *   images that differ only in their entrypoint, command and environment (so the engine stores the
 *   rootfs layer once): berth-test/nginx:1, berth-test/postgres:15, berth-test/redis:7,
 *   berth-test/python:3;
 * - `jdk` (openjdk-17-jdk-headless): berth-test/jdk:17; its `jre` rootfs is the same tree with the JDK
 *   package purged (seconds, no second debootstrap): berth-test/jre:17.
 * Package names follow Debian 12 (bookworm), the suite this machine's apt uses.
 *
 * Cost on the 2-core machine (busy): each debootstrap 3–5 min (CPU-bound dpkg work; downloading the
 * ~230 MB of .debs is a small part), the jre derivation 5 s, loading an image 5–30 s; all seven
 * (with busybox) about 8.5 min cold, under 2 s when up to date. Sizes: 244 MB (the four services
 * images share that one layer), jdk 374 MB, jre 295 MB.
 */
import { readFileSync } from 'node:fs';
import type { Runtime } from '../../../src/runtime/runtime.js';
import {
  type BuildReport,
  type DebianImage,
  debianSource,
  ensureDebianImage,
  type RootfsRecipe,
} from './debian.js';

const file = (name: string) => readFileSync(new URL(`./files/${name}`, import.meta.url), 'utf8');

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const SERVICES_ROOTFS: RootfsRecipe = {
  name: 'services',
  packages: ['nginx', 'postgresql', 'redis-server', 'python3', 'python3-psycopg2', 'python3-redis'],
  post: `
# No packaged cluster: the postgres entrypoint initializes $PGDATA on first start.
rm -rf /etc/postgresql/*/main /var/lib/postgresql/*/main
ln -s "$(ls /usr/lib/postgresql | sort -V | tail -n 1)" /usr/lib/postgresql/current
mkdir -p /var/lib/postgresql/data /docker-entrypoint-initdb.d /data
chown postgres:postgres /var/lib/postgresql/data
chown redis:redis /data
# nginx logs to the container's stdout and stderr, like the official image.
ln -sf /dev/stdout /var/log/nginx/access.log
ln -sf /dev/stderr /var/log/nginx/error.log
# Size (about 170 MB less): PostgreSQL's JIT is optional and without llvmjit.so it runs without it, so
# LLVM and z3 can go; C.UTF-8 is built into glibc, the locale sources only serve locale-gen.
rm -rf /usr/lib/postgresql/*/lib/bitcode /usr/lib/postgresql/*/lib/llvmjit*
rm -f /usr/lib/*/libLLVM-*.so* /usr/lib/*/libz3.so*
rm -rf /usr/share/i18n/locales /usr/share/i18n/charmaps
`,
};

export const JDK_ROOTFS: RootfsRecipe = { name: 'jdk', packages: ['openjdk-17-jdk-headless'] };

export const JRE_ROOTFS: RootfsRecipe = {
  name: 'jre',
  from: JDK_ROOTFS,
  post: 'dpkg --purge openjdk-17-jdk-headless',
};

function javaHome(): string {
  return `/usr/lib/jvm/java-17-openjdk-${debianSource().arch}`;
}

export const NGINX_IMAGE = 'berth-test/nginx:1';
export const POSTGRES_IMAGE = 'berth-test/postgres:15';
export const REDIS_IMAGE = 'berth-test/redis:7';
export const PYTHON_IMAGE = 'berth-test/python:3';
export const JDK_IMAGE = 'berth-test/jdk:17';
export const JRE_IMAGE = 'berth-test/jre:17';

/** Every image by tag, built lazily (the JAVA_HOME path needs the architecture). */
export function testImages(): DebianImage[] {
  return [
    {
      tag: NGINX_IMAGE,
      rootfs: SERVICES_ROOTFS,
      instructions: `ENV PATH=${PATH}
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]`,
    },
    {
      tag: POSTGRES_IMAGE,
      rootfs: SERVICES_ROOTFS,
      files: { 'docker-entrypoint.sh': file('postgres-entrypoint.sh') },
      instructions: `ENV PATH=/usr/lib/postgresql/current/bin:${PATH} LANG=C.UTF-8 PGDATA=/var/lib/postgresql/data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]`,
    },
    {
      tag: REDIS_IMAGE,
      rootfs: SERVICES_ROOTFS,
      files: { 'docker-entrypoint.sh': file('redis-entrypoint.sh') },
      instructions: `ENV PATH=${PATH}
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]`,
    },
    {
      tag: PYTHON_IMAGE,
      rootfs: SERVICES_ROOTFS,
      instructions: `ENV PATH=${PATH} LANG=C.UTF-8
CMD ["python3"]`,
    },
    {
      tag: JDK_IMAGE,
      rootfs: JDK_ROOTFS,
      instructions: `ENV PATH=${PATH} LANG=C.UTF-8 JAVA_HOME=${javaHome()}
CMD ["jshell"]`,
    },
    {
      tag: JRE_IMAGE,
      rootfs: JRE_ROOTFS,
      instructions: `ENV PATH=${PATH} LANG=C.UTF-8 JAVA_HOME=${javaHome()}
CMD ["java", "-version"]`,
    },
  ];
}

/** Builds (or finds up to date) the given images, in order, one at a time; all when `tags` is empty. */
export async function ensureTestImages(
  runtime: Runtime,
  tags: string[] = [],
  log?: (line: string) => void,
): Promise<BuildReport[]> {
  const all = testImages();
  const unknown = tags.filter((t) => !all.some((i) => i.tag === t));
  if (unknown.length > 0) {
    throw new Error(
      `unknown test image(s) ${unknown.join(', ')}; known: ${all.map((i) => i.tag).join(', ')}`,
    );
  }
  const reports: BuildReport[] = [];
  for (const image of all) {
    if (tags.length === 0 || tags.includes(image.tag))
      reports.push(await ensureDebianImage(runtime, image, log));
  }
  return reports;
}
