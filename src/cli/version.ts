/** What `berth --version` and `berth version` print; the version itself comes from verbs/version.ts. */
import { berthVersion } from '../verbs/version.js';

export { berthVersion };

/** What `berth --version` prints (docker compose prints `Docker Compose version vX.Y.Z`). */
export function versionLine(): string {
  return `berth version ${berthVersion()}`;
}
