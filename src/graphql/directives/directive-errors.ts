import { GraphQLError, type ASTNode } from 'graphql';

/**
 * Codes of directive failures: `BAD_USER_INPUT` for a misuse of the query (found before execution where possible),
 * `NOT_SINGLETON` when the data has more than one value where `@singleton` asks for one (the HL7 page: "The server
 * SHALL return an error if there is more than one value when flattening"), `FHIRPATH_TIMEOUT` when a @slice path
 * ran out of its time (HTTP 422, as src/errors/error-codes.ts has it).
 */
export type DirectiveErrorCode = 'BAD_USER_INPUT' | 'NOT_SINGLETON' | 'FHIRPATH_TIMEOUT';

const OUTCOME: Record<DirectiveErrorCode, { readonly status: number; readonly issue: string }> = {
  BAD_USER_INPUT: { status: 400, issue: 'invalid' },
  NOT_SINGLETON: { status: 400, issue: 'multiple-matches' },
  FHIRPATH_TIMEOUT: { status: 422, issue: 'too-costly' },
};

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
      http: { status: OUTCOME[code].status },
      resource: {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: OUTCOME[code].issue, diagnostics: message }],
      },
    },
  });
}
