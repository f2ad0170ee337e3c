/** The apt sources parser that picks debootstrap's mirror, and the recipe hash that keys the caches. */
import { describe, expect, it } from 'vitest';
import { imageRecipe, parseAptSources, rootfsHash } from './debian.js';

describe('parseAptSources', () => {
  it('reads deb822 stanzas: deb types only, every URI, suites, components, Signed-By paths', () => {
    const text = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: http://a.example/debian http://b.example/debian
Suites: trixie
Components: main contrib
Enabled: yes

Types: deb
URIs: http://off.example/debian
Suites: bookworm
Components: main
Enabled: no
`;
    expect(parseAptSources(text, true)).toEqual([
      {
        mirror: 'http://deb.debian.org/debian',
        suites: ['bookworm', 'bookworm-updates'],
        components: ['main'],
        keyring: '/usr/share/keyrings/debian-archive-keyring.gpg',
      },
      { mirror: 'http://a.example/debian', suites: ['trixie'], components: ['main', 'contrib'] },
      { mirror: 'http://b.example/debian', suites: ['trixie'], components: ['main', 'contrib'] },
    ]);
  });

  it('reads one-line entries with options and comments, and skips deb-src', () => {
    const text = `# a comment
deb [arch=amd64 signed-by=/etc/k.gpg] http://mirror.example/debian bookworm main non-free # trailing
deb-src http://mirror.example/debian bookworm main
deb http://security.example/debian-security bookworm-security main
`;
    expect(parseAptSources(text, false)).toEqual([
      {
        mirror: 'http://mirror.example/debian',
        suites: ['bookworm'],
        components: ['main', 'non-free'],
        keyring: '/etc/k.gpg',
      },
      {
        mirror: 'http://security.example/debian-security',
        suites: ['bookworm-security'],
        components: ['main'],
      },
    ]);
  });
});

describe('recipe hashes', () => {
  const base = { name: 'x', packages: ['b', 'a'] };

  it('ignore the package order and change with the packages, the post script and the parent', () => {
    expect(rootfsHash(base)).toBe(rootfsHash({ name: 'x', packages: ['a', 'b'] }));
    expect(rootfsHash(base)).not.toBe(rootfsHash({ name: 'x', packages: ['a'] }));
    expect(rootfsHash(base)).not.toBe(rootfsHash({ ...base, post: 'true' }));
    const child = { name: 'y', from: base, post: 'true' };
    expect(rootfsHash(child)).not.toBe(rootfsHash({ ...child, from: { ...base, post: 'rm x' } }));
  });

  it('an image recipe changes with its instructions and its files', () => {
    const image = { tag: 't:1', rootfs: base, instructions: 'CMD ["a"]' };
    expect(imageRecipe(image)).toBe(imageRecipe({ ...image }));
    expect(imageRecipe(image)).not.toBe(imageRecipe({ ...image, instructions: 'CMD ["b"]' }));
    expect(imageRecipe(image)).not.toBe(imageRecipe({ ...image, files: { 'e.sh': 'x' } }));
  });
});
