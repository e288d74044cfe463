/**
 * A meeting point for concurrent code in tests: each caller waits until `parties` callers have
 * arrived. Fails after `timeoutMs` instead of hanging, saying how many arrived.
 */
export function barrier(parties: number, timeoutMs = 10_000): () => Promise<void> {
  let waiting = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return async () => {
    if (++waiting === parties) release();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`barrier: only ${waiting} of ${parties} arrived within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
