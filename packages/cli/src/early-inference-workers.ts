import type { InferenceWorkers } from '@vision-flow/operators/inference-workers';

/**
 * For `vision-flow run`, the inference workers started in the CLI's first lines, before it loads
 * its own modules, the runtime and the topology (~0.2 s of the main thread, when the second core has
 * nothing else to do): each worker's start (a Node isolate, ONNX Runtime's binding, the JPEG decoder)
 * then overlaps that instead of following it. The run's inference pool takes them; bin.ts closes any
 * it did not (a failed start, a run that never got that far). Undefined for other commands and for help.
 */
export async function earlyInferenceWorkers(argv: readonly string[]): Promise<InferenceWorkers | undefined> {
  const args = argv.slice(2);
  if (args[0] !== 'run' || args.includes('--help') || args.includes('-h')) return undefined;
  const { InferenceWorkers } = await import('@vision-flow/operators/inference-workers');
  return new InferenceWorkers().start();
}
