// Runs the noise-protocol fix (see noise-compat.ts) when imported: lib/hypercore.ts imports it before
// it loads hypercore and hypercore-protocol, and nothing else loads them.
import { patchNoiseProtocol } from './noise-compat'

export const noisePatch = patchNoiseProtocol()
