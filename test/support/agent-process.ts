/** `tandem agent` as a real child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './server-process.ts';

export interface AgentProcess {
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startAgentProcess(o: {
  server: string;
  token?: string;
  name: string;
  labels?: string[];
  stateDir: string;
  capacity?: number;
  env?: Record<string, string>;
  caFile?: string;
}): AgentProcess {
  let out = '';
  const args = [BIN, 'agent', '--server', o.server, '--name', o.name, '--state-dir', o.stateDir];
  if (o.token) args.push('--token', o.token);
  for (const l of o.labels ?? []) args.push('--label', l);
  args.push('--capacity', String(o.capacity ?? 2));
  if (o.caFile) args.push('--ca-file', o.caFile);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, TANDEM_LOG_LEVEL: 'info', TANDEM_AGENT_HEARTBEAT_MS: '300', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
