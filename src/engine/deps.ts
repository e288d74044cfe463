import type { MasterKey } from '../secrets/index.ts';
import type { Store } from '../store/index.ts';

/** The subset of pino's logger the engine uses; tests pass a silent one. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}

/** Everything the engine shell needs from outside, in one object that tests replace. */
export interface EngineDeps {
  store: Store;
  clock: () => number;
  newId: () => string;
  log: Logger;
  /**
   * How long a claim holds a step without a heartbeat. 30 s: agents heartbeat every 10 s, so
   * three missed heartbeats lose the lease.
   */
  leaseMs: number;
  /** Decrypts secrets at claim time; without it, a step that uses a secret fails. */
  masterKey?: MasterKey;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
