/** Where people open Tandem: links in notifications start here. */

/** `TANDEM_PUBLIC_URL` when set, else `fallback` (the server's own URL), without a trailing slash. */
export function publicUrlOf(fallback: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.TANDEM_PUBLIC_URL?.trim();
  return (configured ? configured : fallback).replace(/\/+$/, '');
}
