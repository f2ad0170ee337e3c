/**
 * The built-in engine's image operations (`berth image …`, `berth login` / `logout`): pull, push,
 * ls, rm, tag, inspect, history, save, load, import, prune over berth's own image store.
 */
export { imageImport, imageLoad, imageSave } from './archive.js';
export { login, logout, serverKey } from './auth.js';
export { familiar, openStore, shortId } from './common.js';
export {
  type ImageInspect,
  imageHistory,
  imageInspect,
  imageList,
  imagePrune,
  imageRemove,
  imageTag,
} from './manage.js';
export { imagePull, imagePush } from './transfer.js';
