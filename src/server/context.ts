import type { AgentService } from '../engine/agent-service.ts';
import type { Logger } from '../engine/deps.ts';
import type { Engine } from '../engine/engine.ts';
import type { ReadySignal } from '../engine/ready-signal.ts';
import type { MasterKey } from '../secrets/index.ts';
import type { Store } from '../store/index.ts';
import type { RouteEntry } from './access.ts';
import type { Authenticator } from './auth.ts';

/** What the routes need, built once by the server. */
export interface ServerContext {
  store: Store;
  engine: Engine;
  agents: AgentService;
  /** Wakes waiting claims when steps become ready. */
  ready: ReadySignal;
  auth: Authenticator;
  log: Logger;
  clock: () => number;
  /** Encrypts and decrypts secrets. */
  masterKey: MasterKey;
  /** Filled as routes register: each API route with the access it declares. */
  routes: RouteEntry[];
  /** Aborted when the server shuts down: live streams end then. */
  shutdown: AbortSignal;
}
