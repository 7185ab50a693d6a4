// @vision-flow/cli: the program, for embedding and tests; the binary is bin.ts.
export { buildProgram, main, type CliContext } from './cli.js';
export { resolveConfig, parseSet, type VisionFlowConfig, type ConfigFlags } from './config/resolve-config.js';
export { loadTopology } from './load-topology.js';
