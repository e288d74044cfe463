import type { AgentService } from '../engine/agent-service.ts';
import type { Logger } from '../engine/deps.ts';
import type { Engine } from '../engine/engine.ts';
import type { ReadySignal } from '../engine/ready-signal.ts';
import type { MasterKey } from '../secrets/index.ts';
import type { Store } from '../store/index.ts';
import type { TokenAuthenticator } from './auth.ts';

/** What the routes need, built once by the server. */
export interface ServerContext {
  store: Store;
  engine: Engine;
  agents: AgentService;
  /** Wakes waiting claims when steps become ready. */
  ready: ReadySignal;
  auth: TokenAuthenticator;
  log: Logger;
  clock: () => number;
  /** Encrypts and decrypts secrets. */
  masterKey: MasterKey;
  /** Aborted when the server shuts down: live streams end then. */
  shutdown: AbortSignal;
}
