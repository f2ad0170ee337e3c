/**
 * `images` (docker/compose pkg/compose/images.go + cmd/compose/images.go): the images the project's
 * containers (all of them, stopped ones too; only the named services' when some are named) were
 * created from — one row per container, from one list call by project label and one inspect per
 * distinct image. Repository and tag come from the reference the container was created with (empty
 * when that was an image id); the id is the image's full id. Works from a project name alone.
 */
import { PROJECT_LABEL, SERVICE_LABEL } from '../api/labels.js';
import type { ImageSummary, ImagesOptions } from '../api/verbs.js';
import type { Project } from '../compose/model.js';
import type { ImageInfo } from '../runtime/runtime.js';
import { withEngine } from './engine.js';

/**
 * `docker.io/library/nginx:1.25` → `nginx` + `1.25` (reference.FamiliarName); an image id or a
 * digest-only reference has no tag.
 */
export function splitImageReference(ref: string): { repository: string; tag: string } {
  if (/^(sha256:)?[0-9a-f]{64}$/.test(ref)) return { repository: '', tag: '' };
  let name = ref;
  let tag = '';
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  else {
    const slash = name.lastIndexOf('/');
    const colon = name.lastIndexOf(':');
    if (colon > slash) {
      tag = name.slice(colon + 1);
      name = name.slice(0, colon);
    } else tag = 'latest';
  }
  name = name.replace(/^(docker\.io|index\.docker\.io)\//, '');
  name = name.replace(/^library\/(?=[^/]+$)/, '');
  return { repository: name, tag };
}

export async function images(
  project: Project | string,
  options: ImagesOptions = {},
): Promise<ImageSummary[]> {
  const name = typeof project === 'string' ? project : project.name;
  return withEngine(name, options, false, async ({ runtime }) => {
    const all = await runtime.listContainers({ labels: { [PROJECT_LABEL]: name }, all: true });
    const wanted = options.services && options.services.length > 0 ? new Set(options.services) : undefined;
    const containers = all.filter((c) => !wanted || wanted.has(c.labels[SERVICE_LABEL] ?? ''));
    const infos = new Map<string, Promise<ImageInfo | undefined>>();
    const inspect = (ref: string) => {
      let p = infos.get(ref);
      if (!p) {
        p = runtime.inspectImage(ref, options.signal);
        infos.set(ref, p);
      }
      return p;
    };
    const rows = await Promise.all(
      containers.map(async (c): Promise<ImageSummary | undefined> => {
        // The reference may have moved to a newer image since: the container's own image id wins.
        const info = (c.imageId ? await inspect(c.imageId) : undefined) ?? (await inspect(c.image));
        if (!info) return undefined;
        const { repository, tag } = splitImageReference(c.image);
        return {
          ID: info.id,
          ContainerName: c.name,
          Repository: repository,
          Tag: tag,
          Platform: info.platform ?? '',
          Size: info.size ?? 0,
          ...(info.created ? { Created: info.created } : {}),
        };
      }),
    );
    return rows
      .filter((r): r is ImageSummary => r !== undefined)
      .sort((a, b) => (a.ContainerName < b.ContainerName ? -1 : a.ContainerName > b.ContainerName ? 1 : 0));
  });
}
