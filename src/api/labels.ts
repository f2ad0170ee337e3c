/**
 * The `com.docker.compose.*` labels (docker/compose pkg/api/labels.go; compose-behaviour.md §3.2).
 * All of berth's state lives in these labels on engine objects — there is no state file — and they are
 * spelled exactly as Compose spells them so that `docker compose ps/down` (and v1 `docker-compose`)
 * see berth's stacks and berth sees theirs.
 */

const PREFIX = 'com.docker.compose';

/** Project name; the key of every lookup. On containers, networks, volumes, images. */
export const PROJECT_LABEL = `${PREFIX}.project`;
/** Service name. On containers and images. */
export const SERVICE_LABEL = `${PREFIX}.service`;
/** Replica index 1..N; absent on one-off containers. */
export const CONTAINER_NUMBER_LABEL = `${PREFIX}.container-number`;
/** `True` on `run` containers, `False` otherwise (Python-style booleans, as v1 wrote them). */
export const ONEOFF_LABEL = `${PREFIX}.oneoff`;
/** Random id of a one-off container; its name ends with the first 12 characters. */
export const SLUG_LABEL = `${PREFIX}.slug`;
/** berth's config hash (reconcile/hash.ts) on containers; the resource hash on networks/volumes. */
export const CONFIG_HASH_LABEL = `${PREFIX}.config-hash`;
/** Id (or digest) of the local image the container was created from. */
export const IMAGE_LABEL = `${PREFIX}.image`;
/** `dep:condition:restart,…`, so `down`/`stop` can order a project rebuilt from labels alone. */
export const DEPENDENCIES_LABEL = `${PREFIX}.depends_on`;
/** Absolute project directory. */
export const WORKING_DIR_LABEL = `${PREFIX}.project.working_dir`;
/** Comma-joined absolute compose file paths. */
export const CONFIG_FILES_LABEL = `${PREFIX}.project.config_files`;
/** Comma-joined `--env-file` paths; only set when the flag was given. */
export const ENV_FILE_LABEL = `${PREFIX}.project.environment_file`;
/** The Compose version that created the object (see {@link COMPOSE_VERSION}). */
export const VERSION_LABEL = `${PREFIX}.version`;
/** Compose key (not engine name) of a network. */
export const NETWORK_LABEL = `${PREFIX}.network`;
/** Compose key (not engine name) of a volume. */
export const VOLUME_LABEL = `${PREFIX}.volume`;
/** On a recreated container: the name of the container it replaced. */
export const REPLACE_LABEL = `${PREFIX}.replace`;

/** Values of {@link ONEOFF_LABEL}. */
export const ONEOFF_TRUE = 'True';
export const ONEOFF_FALSE = 'False';

/**
 * The value berth writes in `com.docker.compose.version`.
 *
 * Why a Compose version and not berth's own: the label says which Compose *behaviour* created the
 * object, and other tools read it as a Compose version (docker compose shows it, scripts and
 * dashboards compare it). berth reproduces Compose v2's naming (`-` separator), labels and network /
 * volume names, so it claims the last v2 release, 2.40.3 — the version compose-behaviour.md was
 * compared against. A `0.x` berth version there would read as a pre-v1 Compose, and v5's `5.x` would
 * claim v5-only behaviour berth does not promise. berth's own version is visible elsewhere (`berth
 * version`); change this only when berth deliberately tracks a newer Compose.
 */
export const COMPOSE_VERSION = '2.40.3';
