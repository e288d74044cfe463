/**
 * Secrets: values encrypted at rest under a master key, put into an action only when an agent of
 * the right site claims the step, and masked in whatever comes back.
 *
 * Glossary
 * - master key: the 32-byte AES-256-GCM key of the server (`TANDEM_MASTER_KEY` or `master.key`).
 * - key id: the master key's fingerprint, stored with each value to tell a wrong key at once.
 * - reference: `%%tandem-secret:NAME%%`, what `${{ secrets.NAME }}` renders to (core/secret-ref.ts).
 * - resolve: replace an action's references with values, escaped for each field.
 * - mask: replace every occurrence of a value (and its common encodings) with `***`.
 */
export {
  loadMasterKey,
  parseMasterKey,
  masterKeyOf,
  keyFingerprint,
  MASTER_KEY_ENV,
  MASTER_KEY_FILE,
  type MasterKey,
  type LoadMasterKeyOptions,
} from './master-key.ts';
export { encryptValue, decryptValue, type SealedValue, type SecretAddress } from './cipher.ts';
export {
  setSecret,
  deleteSecret,
  listSecrets,
  secretValues,
  checkMasterKey,
  checkSecretName,
  checkSite,
  ALL_SITES,
  MAX_SECRET_BYTES,
  type SecretInfo,
} from './secret-store.ts';
export { resolveActionSecrets, actionSecretNames, type ResolvedAction } from './resolve.ts';
export { Masker, maskVariants, MASK } from './masker.ts';
export { createStreamMasker, type StreamMasker } from './stream-masker.ts';
