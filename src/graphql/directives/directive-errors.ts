import { GraphQLError, type ASTNode } from 'graphql';

/**
 * Codes of directive failures: `BAD_USER_INPUT` for a misuse of the query (found before execution where possible),
 * `NOT_SINGLETON` when the data has more than one value where `@singleton` asks for one (the HL7 page: "The server
 * SHALL return an error if there is more than one value when flattening").
 */
export type DirectiveErrorCode = 'BAD_USER_INPUT' | 'NOT_SINGLETON';

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
      http: { status: 400 },
      resource: {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: code === 'NOT_SINGLETON' ? 'multiple-matches' : 'invalid', diagnostics: message }],
      },
    },
  });
}
