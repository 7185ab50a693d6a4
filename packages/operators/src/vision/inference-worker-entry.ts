// Entry of an inference worker thread: waits for its turn to load (load-turns.ts), then loads the
// worker itself (inference-worker.ts, which loads ONNX Runtime, the JPEG decoder and the resize as
// it is imported). Messages the pool posts meanwhile wait on the port. Imports nothing else, so
// waiting costs nothing but the thread's own start.
import { workerData } from 'node:worker_threads';
import { awaitLoadTurn, loadTurnDone, type LoadTurn } from './load-turns.js';

const turn = (workerData as { loadTurn?: LoadTurn } | undefined)?.loadTurn;
if (turn) awaitLoadTurn(turn);
try {
  await import('./inference-worker.js');
} finally {
  if (turn) loadTurnDone(turn);
}
