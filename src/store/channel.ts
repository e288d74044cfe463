import { TandemError } from '../core/errors.ts';

const CHANNEL = /^[A-Za-z0-9_.:-]+$/;
// PostgreSQL truncates identifiers, and so channel names, to 63 bytes (NAMEDATALEN - 1).
const MAX_CHANNEL_BYTES = 63;

/** The channel name as sent on the wire: `<schema or tandem>:<channel>`. */
export function fullChannelName(prefix: string, channel: string): string {
  const full = `${prefix}:${channel}`;
  if (!CHANNEL.test(channel) || Buffer.byteLength(full) > MAX_CHANNEL_BYTES) {
    throw new TandemError(
      'internal',
      `invalid notification channel "${channel}": use [A-Za-z0-9_.:-], at most ${MAX_CHANNEL_BYTES} bytes with the prefix "${prefix}:"`,
    );
  }
  return full;
}
