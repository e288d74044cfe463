/** Identifiers: time-ordered UUIDs for rows, random tokens for secrets. */
import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * A UUIDv7 generator (RFC 9562): 48 bits of Unix ms, then a 12-bit counter (the `rand_a` field,
 * method 1 of §6.2) seeded at random each ms, then 62 random bits. Ids from one generator
 * sort strictly in creation order, as strings too: within a ms the counter increments; when it
 * overflows, or the clock steps back, the timestamp is carried forward instead.
 */
export function createUuidV7(now: () => number = Date.now): () => string {
  let lastMs = -1;
  let counter = 0;
  const random = Buffer.alloc(10);
  const bytes = Buffer.alloc(16);

  return () => {
    randomFillSync(random);
    let ms = now();
    if (ms > lastMs) {
      // Seed below 2^11 so at least 2048 more ids fit in this ms before the carry.
      counter = random.readUInt16BE(0) & 0x7ff;
      lastMs = ms;
    } else {
      counter++;
      if (counter > 0xfff) {
        counter = random.readUInt16BE(0) & 0x7ff;
        lastMs++;
      }
      ms = lastMs;
    }
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (counter >> 8); // version 7
    bytes[7] = counter & 0xff;
    random.copy(bytes, 8, 2, 10);
    bytes[8] = 0x80 | (bytes[8]! & 0x3f); // variant 10
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}

/** A new UUIDv7: time-ordered, monotonic within this process. For runs, steps, events. */
export const uuidv7: () => string = createUuidV7();

/** A random secret of `bytes` bytes (32 by default: 256 bits), base64url without padding. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
