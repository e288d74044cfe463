import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { assertNever, isTandemError, type TandemErrorCode } from '../core/errors.ts';
import type { Logger } from '../engine/deps.ts';

export function httpStatus(code: TandemErrorCode): number {
  switch (code) {
    case 'invalid_input':
    case 'invalid_runbook':
    case 'expression':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
    case 'lease_lost':
      return 409;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
    default:
      return assertNever(code, 'error code');
  }
}

interface ZodIssueLike {
  instancePath?: string;
  message?: string;
  params?: { issue?: { path?: PropertyKey[]; message?: string } };
}

/** Every error answers `{ error: { code, message, details } }`; bad input never answers 500. */
export function errorHandler(log: Logger) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'body';
      const details = (err.validation as ZodIssueLike[]).map((v) => {
        const path =
          v.params?.issue?.path?.map(String).join('.') ??
          v.instancePath?.replace(/^\//, '').replaceAll('/', '.') ??
          '';
        return {
          path: path ? `${where}.${path}` : where,
          message: v.params?.issue?.message ?? v.message ?? 'invalid',
        };
      });
      const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
      return reply.code(400).send({ error: { code: 'invalid_input', message: summary, details } });
    }
    if (isTandemError(err)) {
      const status = httpStatus(err.code);
      if (status >= 500) log.error({ err: err.message, url: req.url }, 'request failed');
      return reply
        .code(status)
        .send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    // Fastify's own client errors (bad JSON, too large, unsupported media type…).
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply
        .code(err.statusCode)
        .send({ error: { code: 'invalid_input', message: err.message, details: [] } });
    }
    log.error({ err: err.message, stack: err.stack, url: req.url }, 'request failed');
    return reply.code(500).send({ error: { code: 'internal', message: 'internal error', details: [] } });
  };
}
