import { errors } from 'undici';
import { describe, expect, it } from 'vitest';
import {
  asOperationOutcome,
  codeForStatus,
  errorFromStatus,
  errorFromTransport,
  outcomeText,
  stripQuery,
  type RequestContext,
} from '../../src/upstream/error-mapping.ts';
import { UpstreamError } from '../../src/upstream/upstream-error.ts';

const ctx: RequestContext = { sourceId: 'demo', method: 'GET', path: 'Patient' };

describe('codeForStatus', () => {
  it.each([
    [404, 'NOT_FOUND'],
    [410, 'NOT_FOUND'],
    [400, 'UPSTREAM_BAD_REQUEST'],
    [422, 'UPSTREAM_BAD_REQUEST'],
    [401, 'UPSTREAM_UNAUTHORIZED'],
    [403, 'UPSTREAM_UNAUTHORIZED'],
    [409, 'UPSTREAM_CONFLICT'],
    [412, 'UPSTREAM_CONFLICT'],
    [429, 'UPSTREAM_ERROR'],
    [500, 'UPSTREAM_ERROR'],
    [502, 'UPSTREAM_ERROR'],
    [503, 'UPSTREAM_ERROR'],
  ] as const)('%i → %s', (status, code) => {
    expect(codeForStatus(status)).toBe(code);
  });
});

describe('errorFromStatus', () => {
  it('takes the first issue with text; diagnostics before details.text; whitespace collapsed', () => {
    const body = JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'warning', code: 'informational' },
        { severity: 'error', code: 'invalid', diagnostics: 'Bad\n  value', details: { text: 'ignored' } },
      ],
    });
    const err = errorFromStatus(ctx, 400, body);
    expect(err.message).toBe("Upstream 'demo' answered 400 to GET Patient: Bad value");
    expect(err.outcome.issue).toHaveLength(2);
    expect(err.httpStatus).toBe(400);
  });

  it('ignores bodies that are not OperationOutcomes, or not JSON at all', () => {
    for (const body of ['', 'not json', '{"resourceType":"Patient"}', '[1]', '{"resourceType":"OperationOutcome"}']) {
      const err = errorFromStatus(ctx, 500, body);
      expect(err.message).toBe("Upstream 'demo' answered 500 to GET Patient");
      expect(err.outcome.issue[0]?.code).toBe('exception');
    }
  });

  it('an unexpected 3xx is UPSTREAM_ERROR', () => {
    expect(errorFromStatus(ctx, 302, '').code).toBe('UPSTREAM_ERROR');
  });
});

describe('outcomeText / asOperationOutcome / stripQuery', () => {
  it('truncates to 300 characters', () => {
    const text = outcomeText({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'x', diagnostics: 'a'.repeat(301) }] });
    expect(text).toHaveLength(300);
    expect(text?.endsWith('…')).toBe(true);
  });

  it('recognises OperationOutcomes only', () => {
    expect(asOperationOutcome({ resourceType: 'OperationOutcome', issue: [] })).toBeDefined();
    expect(asOperationOutcome({ resourceType: 'Bundle' })).toBeUndefined();
    expect(asOperationOutcome(null)).toBeUndefined();
  });

  it('strips queries and fragments', () => {
    expect(stripQuery('Patient?identifier=123')).toBe('Patient');
    expect(stripQuery('Patient/1#x')).toBe('Patient/1');
    expect(stripQuery('metadata')).toBe('metadata');
  });
});

describe('errorFromTransport', () => {
  it.each([
    [new errors.HeadersTimeoutError(), 'UPSTREAM_TIMEOUT'],
    [new errors.BodyTimeoutError(), 'UPSTREAM_TIMEOUT'],
    [new errors.ConnectTimeoutError(), 'UPSTREAM_TIMEOUT'],
    [new DOMException('t', 'TimeoutError'), 'UPSTREAM_TIMEOUT'],
    [new errors.SocketError('other side closed'), 'UPSTREAM_UNAVAILABLE'],
    [Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:8080'), { code: 'ECONNREFUSED' }), 'UPSTREAM_UNAVAILABLE'],
    [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'UPSTREAM_UNAVAILABLE'],
    [Object.assign(new Error('getaddrinfo ENOTFOUND fhir.internal'), { code: 'ENOTFOUND' }), 'UPSTREAM_UNAVAILABLE'],
    [new Error('something else'), 'UPSTREAM_UNAVAILABLE'],
    [new errors.ResponseContentLengthMismatchError(), 'UPSTREAM_BAD_RESPONSE'],
    [Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_CONSTANT' }), 'UPSTREAM_BAD_RESPONSE'],
  ] as const)('%s → %s', (error, code) => {
    const mapped = errorFromTransport(ctx, error);
    expect(mapped).toBeInstanceOf(UpstreamError);
    expect(mapped?.code).toBe(code);
    expect(mapped?.message).not.toMatch(/10\.1\.2\.3|fhir\.internal/);
  });

  it('leaves our own programming errors alone', () => {
    expect(errorFromTransport(ctx, new errors.InvalidArgumentError('invalid path'))).toBeUndefined();
    expect(errorFromTransport(ctx, new TypeError('x'))).toBeUndefined();
  });

  it('passes UpstreamErrors through', () => {
    const err = errorFromStatus(ctx, 404, '');
    expect(errorFromTransport(ctx, err)).toBe(err);
  });
});
