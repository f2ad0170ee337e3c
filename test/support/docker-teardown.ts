/**
 * The `docker` vitest project's globalSetup, for its teardown: untagged images that carry the test
 * images' recipe label are removed after the run. dockerd's classic builder leaves the stage images of
 * a multi-stage build untagged (the examples build a Spring Boot jar in a JDK stage), and a re-tagged
 * test image leaves its predecessor untagged; both are this suite's leftovers. Images that still have
 * a tag, and any image a container uses, stay.
 */
import { createDockerRuntime } from '../../src/runtime/docker/docker-runtime.js';
import { RECIPE_LABEL } from './images/busybox.js';

export function setup(): void {}

export async function teardown(): Promise<void> {
  const docker = await createDockerRuntime();
  try {
    for (const image of await docker.listImages({ labels: { [RECIPE_LABEL]: true } })) {
      if (image.tags.length > 0) continue;
      await docker.removeImage(image.id).catch(() => undefined); // in use: kept
    }
  } finally {
    await docker.close();
  }
}
