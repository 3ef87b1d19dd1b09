import { GraphQLError } from 'graphql';

/** Expected failures of the client's own making, with a stable extensions.code and an OperationOutcome. */
export function userError(code: string, message: string, issueCode = 'invalid'): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code,
      http: { status: 400 },
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: issueCode, diagnostics: message }] },
    },
  });
}

export function notFoundError(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'NOT_FOUND',
      http: { status: 404 },
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics: message }] },
    },
  });
}
