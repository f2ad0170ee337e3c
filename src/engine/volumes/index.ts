/** The built-in engine's volumes: Docker's `local` driver on a state directory. */
export { matchLabels } from '../labels.js';
export { isLocalPath, isWithin, resolveInRoot, resolveSubpath } from './scoped-path.js';
export {
  ANONYMOUS_VOLUME_LABEL,
  type PopulateOptions,
  type RemoveVolumeOptions,
  type VolumeDetails,
  type VolumeMountSource,
  type VolumeRecord,
  Volumes,
  type VolumesOptions,
  type VolumeUsers,
} from './volumes.js';
