import { GraphQLError } from 'graphql';

/**
 * Expected failures of the client's own making, with a stable extensions.code and an OperationOutcome; `status` is the
 * HTTP status a REST answer gets (field errors never change a GraphQL response's status).
 */
export function userError(code: string, message: string, issueCode = 'invalid', status = 400): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code,
      http: { status },
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: issueCode, diagnostics: message }] },
    },
  });
}

/** A resource that does not exist; `status` 410 when a source said it was deleted. */
export function notFoundError(message: string, status = 404): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'NOT_FOUND',
      http: { status },
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics: message }] },
    },
  });
}
