import { GraphQLError } from 'graphql';
import { isAsyncIterable, processRegularResult, type Plugin } from 'graphql-yoga';
import { fhirGraphqlTargetOf } from './fhir-graphql-route.ts';
import { focusQuery, unfocusResult, type FocusedQuery } from './instance-query.ts';
import { checkDocument, type DocumentLimits } from './use-document-limits.ts';

/**
 * The FHIR `$graphql` endpoints inside the one pipeline (fhir-graphql-route.ts hands them to the GraphQL endpoint):
 *
 * - instance level: the client's query becomes a query of the focus resource's root field (instance-query.ts) before
 *   parsing, so limits, masking, warnings and partial errors apply as to any query, and the result is unwrapped;
 * - both levels: the body is `application/json` whatever the Accept header (the FHIR operation's result is always
 *   application/json) with the status codes of `application/graphql-response+json`: request errors (no query, bad
 *   JSON, syntax, validation, limits) are 400, as /graphql answers clients that accept that type.
 *
 * The instance-level rewrite parses the client's text, so it first checks the document limits (use-document-limits.ts):
 * a document past one is left as it is, and the pipeline's own parse refuses it on the client's text. (Unchecked, a
 * 10 MB document of 3.5 M tokens was parsed here in full — seconds of a blocked event loop — before the limits ran.)
 */
export function useFhirGraphql(limits?: DocumentLimits): Plugin {
  const focused = new WeakMap<Request, FocusedQuery>();
  return {
    onParams({ request, params, setParams, setResult }) {
      const focus = fhirGraphqlTargetOf(request)?.focus;
      if (!focus || typeof params.query !== 'string') return; // a missing query is reported by yoga's own check
      if (limits !== undefined && !withinLimits(params.query, limits)) return;
      const rewritten = focusQuery(params.query, focus);
      if (rewritten instanceof GraphQLError) return setResult({ errors: [rewritten] });
      if (!rewritten) return; // does not parse: the pipeline reports it on the client's text
      focused.set(request, rewritten);
      setParams({ ...params, query: rewritten.query });
    },
    onExecutionResult({ request, result, setResult }) {
      const focus = focused.get(request);
      if (!focus || !result || isAsyncIterable(result)) return;
      setResult(unfocusResult(focus, result));
    },
    onResultProcess({ request, result, setResultProcessor }) {
      if (!fhirGraphqlTargetOf(request) || Array.isArray(result) || isAsyncIterable(result)) return;
      setResultProcessor((r, fetchAPI) => {
        const response = processRegularResult(r, fetchAPI, 'application/graphql-response+json');
        // delete first: yoga's Headers ponyfill keeps 'Content-Type' as given, and set() alone would add a second one
        response.headers.delete('content-type');
        response.headers.set('content-type', 'application/json; charset=utf-8');
        return response;
      }, 'application/json');
    },
  };
}

function withinLimits(query: string, limits: DocumentLimits): boolean {
  try {
    checkDocument(query, limits);
    return true;
  } catch {
    return false;
  }
}
