/** Child process for the cross-process index test: tags `count` references `<prefix>-<i>`. */
import { ImageStore } from '../../../../src/engine/store/image-store.js';

const [root, source, prefix, count] = process.argv.slice(2);
const store = await ImageStore.open({ root });
for (let i = 0; i < Number(count); i++) await store.tag(source!, `${prefix}-${i}`);
process.stdout.write('done\n');
