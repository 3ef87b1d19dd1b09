import { GraphQLError, type ASTNode } from 'graphql';
import { statusOf } from '../../errors/error-codes.ts';
import { issueOf, operationOutcome } from '../../errors/operation-outcome.ts';

/**
 * Codes of directive failures: `BAD_USER_INPUT` for a misuse of the query (found before execution where possible),
 * `NOT_SINGLETON` when the data has more than one value where `@singleton` asks for one (the HL7 page: "The server
 * SHALL return an error if there is more than one value when flattening"), `FHIRPATH_TIMEOUT` when a @slice path
 * ran out of its time (HTTP 422, as src/errors/error-codes.ts has it).
 */
export type DirectiveErrorCode = 'BAD_USER_INPUT' | 'NOT_SINGLETON' | 'FHIRPATH_TIMEOUT';

export function directiveError(
  code: DirectiveErrorCode,
  message: string,
  nodes?: ASTNode | readonly ASTNode[],
  path?: readonly (string | number)[],
): GraphQLError {
  return new GraphQLError(message, {
    ...(nodes ? { nodes } : {}),
    ...(path ? { path } : {}),
    extensions: {
      code,
      http: { status: statusOf(code) },
      resource: operationOutcome([issueOf(code, message)]),
    },
  });
}
