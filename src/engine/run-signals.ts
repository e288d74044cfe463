/**
 * In-process wake-ups when a transaction of this process changed a run: live views (SSE) follow
 * runs without a database notification per transition. Changes made by other replicas reach them
 * by polling, within a second.
 */
import { EventEmitter } from 'node:events';

const emitter = new EventEmitter();
// One listener per open stream: there is no leak to warn about.
emitter.setMaxListeners(0);

export const runSignals = {
  changed(runId: string): void {
    emitter.emit('changed', runId);
  },
  /** Call `fn` with the id of each run changed from now on; returns the unsubscribe function. */
  subscribe(fn: (runId: string) => void): () => void {
    emitter.on('changed', fn);
    return () => emitter.off('changed', fn);
  },
};
