import { GraphQLError, GraphQLScalarType, Kind, print, type ValueNode } from 'graphql';
import type { Builder } from '../builder.ts';
import type { FhirModel } from '../../fhir/model/model.types.ts';
import type { AnyRef } from './build-fhir-types.ts';
import { scalarFor } from './naming.ts';

/*
 * HL7 FHIR GraphQL "Field Arguments: List Navigation", the `[field]: value` filter: a repeating complex element takes
 * one argument per primitive child, and keeps the items whose child has that value — `name(use: official)`,
 * `extension(url: "http://...")`, `identifier(system: "...")`, `telecom(system: phone)`.
 *
 * Which children: the non-choice primitive children of the item type, less `id` (an element's internal id) and the
 * binary ones (base64Binary, xhtml) — 4,234 arguments on the 2,793 repeating complex fields of R4 (1,294 of them
 * `extension(url:)`). Choice children (`Extension.value[x]`: 18 primitive choices on 1,294 fields would be ~23,000
 * more arguments) and `contained` (any resource) take none; `fhirpath` reaches them. The argument objects are shared:
 * one per GraphQL type, one record of arguments per item type, whatever the number of fields using it; no per-argument
 * descriptions (they would be a quarter of a megabyte of SDL saying the same thing).
 */

/** Arguments of a repeating element that are not child filters. */
const CONTROL_ARGS = new Set(['fhirpath', '_count', '_offset']);
/** Primitive types whose values nobody filters a list by equality on. */
const SKIPPED_TYPES = new Set(['base64Binary', 'xhtml']);

/** The GraphQL type of a child filter, by the child's FHIR primitive type: a `code` takes names, as on the HL7 page. */
function filterType(code: string): 'code' | ReturnType<typeof scalarFor> {
  return code === 'code' ? 'code' : scalarFor(code);
}

/**
 * `code`: a FHIR code in an argument (the HL7 schema's name for the FHIR type), written as a name (`use: official`), as
 * on the HL7 page, or as a string (`use: "official"`; needed for codes that are not GraphQL names, such as
 * `"entered-in-error"`, `"true"`). A variable for it is declared `$use: code`.
 */
function codeScalar(): GraphQLScalarType<string, string> {
  const check = (value: unknown): string => {
    if (typeof value !== 'string') throw new GraphQLError(`code must be a name or a string, not ${JSON.stringify(value)}`);
    return value;
  };
  const literal = (ast: ValueNode): string => {
    if (ast.kind === Kind.ENUM || ast.kind === Kind.STRING) return ast.value;
    throw new GraphQLError(`code must be a name or a string, not ${print(ast)}`);
  };
  return new GraphQLScalarType<string, string>({
    name: 'code',
    description:
      'A FHIR code, written as a name (official), as on the HL7 FHIR GraphQL page, or as a string ("official"; needed for codes ' +
      'that are not GraphQL names, such as "entered-in-error")',
    serialize: (value) => String(value),
    parseValue: check,
    parseLiteral: literal,
  });
}

/** The arguments of a repeating complex element of a given item type ('HumanName', 'PatientContact'). */
export type ElementListArgs = (t: AnyRef, itemType: string) => Record<string, unknown>;

/**
 * Registers the `code` scalar and returns the argument maker for repeating complex elements: `fhirpath`, `_count`,
 * `_offset` and the item type's child filters, one shared record per item type.
 */
export function elementListArgs(builder: Builder, model: FhirModel): ElementListArgs {
  builder.addScalarType('code' as never, codeScalar() as never, {});
  const primitives = new Set(model.primitiveTypes);
  const byItemType = new Map<string, Record<string, unknown>>();
  let common: { control: Record<string, unknown>; filters: Record<string, unknown> } | undefined;
  return (t, itemType) => {
    let args = byItemType.get(itemType);
    if (args !== undefined) return args;
    common ??= {
      control: {
        fhirpath: t.arg.string({ description: 'Keep only items for which this FHIRPath is true' }),
        _count: t.arg.int({ description: 'Return at most this many items' }),
        _offset: t.arg.int({ description: 'Skip this many items first' }),
      },
      filters: {
        code: t.arg({ type: 'code' as never }),
        Boolean: t.arg.boolean(),
        Int: t.arg.int(),
        Float: t.arg.float(),
        String: t.arg.string(),
      },
    };
    args = { ...common.control };
    for (const field of model.types[itemType]?.fields ?? []) {
      const code = field.types[0]!;
      if (field.choice || field.name === 'id' || !primitives.has(code) || SKIPPED_TYPES.has(code)) continue;
      args[field.name] = common.filters[filterType(code)];
    }
    byItemType.set(itemType, args);
    return args;
  };
}

/**
 * The items whose children equal every child filter given (AND): `{ use: 'official' }` keeps the names whose `use` is
 * 'official'; a repeating child (`given`) matches when any of its values does. Compared on the FHIR data as stored
 * (strings exactly, numbers and booleans as JSON values). A filter given as null filters nothing, as if left out.
 */
export function filterByChildren(list: readonly unknown[], args: Readonly<Record<string, unknown>>): readonly unknown[] {
  let out = list;
  for (const key of Object.keys(args)) {
    const value = args[key];
    if (value === null || value === undefined || CONTROL_ARGS.has(key)) continue;
    out = out.filter((item) => {
      if (typeof item !== 'object' || item === null) return false;
      const child = (item as Record<string, unknown>)[key];
      return Array.isArray(child) ? child.includes(value) : child === value;
    });
  }
  return out;
}
