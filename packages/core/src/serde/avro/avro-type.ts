import { createRequire } from 'node:module';
import type avsc from 'avsc';

/**
 * avsc's `Type`, loaded from its types module alone. avsc's index also loads its object container
 * files and RPC services (streams, zlib, events), which vision-flow never uses: 16–29 ms of every
 * process's start against 6–7 ms for the types. The class is the very one the index exports.
 */
export const AvroType: typeof avsc.Type = (createRequire(import.meta.url)('avsc/lib/types.js') as { Type: typeof avsc.Type }).Type;
