import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isUnionType, type GraphQLSchema } from 'graphql';
import type { Builder } from './builder.ts';

const NO_EXTENSIONS = Object.freeze({});

/**
 * Lets go of Pothos's build state once the schema exists. Pothos keeps every type's, field's and argument's build
 * config reachable from the schema — in their `extensions` (`pothosConfig`, `pothosOptions`) and, through closures,
 * the whole builder and its config store (every resolver made inside a builder callback holds its context) — about
 * 75 MB of heap for the full R4 schema, none of it used at run time without Pothos plugins. So: the config store's
 * maps are emptied, the extensions replaced by one empty object, and the interfaces' type resolvers (Pothos's hold its
 * build cache) replaced by the ones given. Call once, after `toSchema()`; the builder is unusable afterwards.
 */
export function releaseBuild(
  builder: Builder,
  schema: GraphQLSchema,
  resolveTypes: Readonly<Record<string, (value: unknown) => string | undefined | null>>,
): void {
  const store = (builder as unknown as { configStore?: Record<string, unknown> }).configStore;
  for (const value of Object.values(store ?? {})) {
    if (value instanceof Map || value instanceof Set) value.clear();
    else if (Array.isArray(value)) value.length = 0;
  }
  for (const type of Object.values(schema.getTypeMap())) {
    setExtensions(type);
    if (isInterfaceType(type) || isUnionType(type)) {
      const resolve = resolveTypes[type.name];
      if (!resolve) throw new Error(`releaseBuild: no type resolver given for ${type.name}`);
      (type as { resolveType: unknown }).resolveType = (value: unknown) => resolve(value) ?? undefined;
    }
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        setExtensions(field);
        for (const arg of 'args' in field ? field.args : []) setExtensions(arg);
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) setExtensions(value);
  }
}

function setExtensions(element: object): void {
  (element as { extensions: unknown }).extensions = NO_EXTENSIONS;
}
