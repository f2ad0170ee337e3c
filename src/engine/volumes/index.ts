/** The built-in engine's volumes: Docker's `local` driver on a state directory. */
export { isLocalPath, isWithin, resolveInRoot, resolveSubpath } from './scoped-path.js';
export {
  ANONYMOUS_VOLUME_LABEL,
  matchLabels,
  type PopulateOptions,
  type RemoveVolumeOptions,
  type VolumeDetails,
  type VolumeMountSource,
  type VolumeRecord,
  Volumes,
  type VolumesOptions,
  type VolumeUsers,
} from './volumes.js';
