// Imported first by every module that loads hypercore or hypercore-protocol: see noise-compat.ts.
import { patchNoiseProtocol } from './noise-compat'

patchNoiseProtocol()
