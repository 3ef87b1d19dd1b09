// GraphQL Code Generator (client preset): typed documents for the operations in test/documents/, checked
// against the committed SDL, so tests use the schema the way a typed frontend does.
//
//   npm run codegen                   writes test/gql/ (commit it)
//   node scripts/codegen-check.ts     fails when test/gql/ is stale
//
// The output must run on Node as-is (type stripping) and pass tsconfig's erasableSyntaxOnly and
// verbatimModuleSyntax, so: only operation types (typescript-operations 6 emits just the types the
// documents use, never the ~1700 schema types), enums as string-literal unions (no TS `enum`), `import
// type` for types, `.ts` on the one relative import (gql.ts -> graphql.ts), and documents as
// TypedDocumentString (the query text a fetch client POSTs; no graphql runtime or AST literals needed).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/documents/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'test/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false, // no fragment-masking.ts; no masked fragment types to unwrap
        skipIndexFile: true, // tests import the documents from test/gql/graphql.ts directly
      },
      config: {
        useTypeImports: true,
        enumType: 'string-literal',
        importExtension: '.ts',
        documentMode: 'string',
        // Our custom scalars take and give strings: a FHIR code (`name(use: official)`) and a resource type name.
        scalars: { code: 'string', ResourceTypeName: 'string' },
      },
    },
  },
};

export default config;
