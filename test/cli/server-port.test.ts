/** A server that cannot listen says why and exits, instead of lingering with its loops running. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { BIN } from '../support/server-process.ts';

it('exits with an error when its port is taken', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-port-'));
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const child = spawn(process.execPath, [BIN, 'server', '--port', String(port), '--data', dir], {
      env: { ...process.env, TANDEM_LOG_LEVEL: 'error' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 25_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(code).toBe(1);
    expect(stderr).toContain('EADDRINUSE');
  } finally {
    taken.close();
    await rm(dir, { recursive: true, force: true });
  }
});
