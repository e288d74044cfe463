/**
 * Strict host key checking against the site's known hosts (attached to the action by the
 * server): a key that is not trusted fails the host, with its type and SHA256 fingerprint and
 * the command that trusts it.
 */
import { createHash } from 'node:crypto';
import type { ServerHostKeyAlgorithm } from 'ssh2';
import type { KnownHost, RemoteHost } from '../../core/engine/index.ts';

/** A host as people write it: `db-2`, `db-2:2222`, `[fe80::1]:2222`; port 22 is left out. */
export function hostLabel({ host, port }: RemoteHost): string {
  if (port === 22) return host;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The algorithm name that starts an SSH public key blob (RFC 4253 §6.6), e.g. `ssh-ed25519`. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  return blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1');
}

/** As OpenSSH shows it: `SHA256:` and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function trustedFor(known: KnownHost[], target: RemoteHost): KnownHost[] {
  const host = target.host.toLowerCase();
  return known.filter((k) => k.port === target.port && k.host.replace(/^\[|\]$/g, '').toLowerCase() === host);
}

/** RSA keys sign with SHA-2 these days; the other types are their own signature algorithm. */
const ALGORITHMS: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/**
 * The host key algorithms to offer for a host: those of the key types trusted for it, so the
 * server shows a key we can check (OpenSSH's client orders them the same way). Undefined when
 * none is trusted: the server then shows its preferred key, reported as unknown.
 */
export function hostKeyAlgorithms(
  known: KnownHost[],
  target: RemoteHost,
): ServerHostKeyAlgorithm[] | undefined {
  const algorithms = [...new Set(trustedFor(known, target).flatMap((k) => ALGORITHMS[k.keyType] ?? []))];
  return algorithms.length > 0 ? algorithms : undefined;
}

/** Why a host key is refused, or undefined when the site trusts it. */
export function hostKeyProblem(
  known: KnownHost[],
  target: RemoteHost,
  site: string,
  blob: Buffer,
): string | undefined {
  const trusted = trustedFor(known, target);
  if (trusted.some((k) => Buffer.from(k.publicKey, 'base64').equals(blob))) return undefined;
  const type = keyTypeOf(blob);
  const label = hostLabel(target);
  const add = `tandem site known-host add ${site} ${label} '${type} ${blob.toString('base64')}'`;
  const before = trusted.find((k) => k.keyType === type);
  if (before !== undefined) {
    const old = fingerprint(Buffer.from(before.publicKey, 'base64'));
    return (
      `the ${type} host key of ${label} has CHANGED: it is ${fingerprint(blob)}, the site trusts ${old}. ` +
      'Someone may be intercepting the connection, or the host was reinstalled: check with its owner ' +
      `before trusting the new key with: ${add}`
    );
  }
  return (
    `${label} is not a known host of site ${site}: its ${type} host key is ${fingerprint(blob)}. ` +
    `Compare it with \`ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub\` on the host; if it matches, trust it with: ${add}`
  );
}

/** The known hosts as an OpenSSH known_hosts file (for ansible's ssh). */
export function knownHostsFile(known: KnownHost[]): string {
  // One entry per line: a field with white space in it could smuggle in another line.
  return known
    .filter((k) => [k.host, k.keyType, k.publicKey].every((field) => /^\S+$/.test(field)))
    .map((k) => {
      const host = k.host.replace(/^\[|\]$/g, '');
      const name = k.port === 22 ? host : `[${host}]:${k.port}`;
      return `${name} ${k.keyType} ${k.publicKey}\n`;
    })
    .join('');
}
