import type { GraphQLResolveInfo } from 'graphql';
import type { Builder } from '../builder.ts';
import type { FhirModel, FieldDef } from '../../fhir/model/model.types.ts';
import { inheritOrigin, originOf } from '../../sources/resource-origin.ts';
import { recordSliceSource } from '../directives/slice-sources.ts';
import { elementPaths } from './element-paths.ts';
import { resolveElementList, type ListArgs } from './list-args.ts';
import { elementListArgs } from './list-filters.ts';
import { choiceFieldName, scalarFor } from './naming.ts';

/* Generated types have dynamic names and plain-JSON shapes, so Pothos refs are typed loosely here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRef = any;
type Json = Record<string, unknown>;

/** Fields every resource type gets from the Resource interface rather than from its own definition. */
const INTERFACE_FIELDS = new Set(['resourceType', 'id', 'meta', 'implicitRules', 'language']);

export interface FhirTypeRefs {
  /** Object type of a datatype, backbone element or resource, by name. */
  readonly objects: ReadonlyMap<string, AnyRef>;
  /** The `Resource` interface every resource type implements. */
  readonly resource: AnyRef;
}

/**
 * Every FHIR R4 datatype, backbone element and resource as a GraphQL object type, fields straight from the
 * StructureDefinitions: choice elements as `valueQuantity`..., primitives with their `_name { extension }`
 * companions, repeating complex elements with `fhirpath`/`_count`/`_offset` (primitive ones, and their `_name`
 * companions, take no arguments: "Primitive fields SHALL NOT have any arguments at all") and `[field]: value` filters
 * on their primitive children (list-filters.ts), contained resources through the Resource interface.
 */
/** The object type of a resource (for the Resource interface): its `resourceType`, when the schema has it. */
export function resourceTypeResolver(resourceTypes: ReadonlySet<string>): (value: unknown) => string | null {
  return (value) => {
    const type = (value as Json | null)?.['resourceType'];
    return typeof type === 'string' && resourceTypes.has(type) ? type : null;
  };
}

export function buildFhirTypes(builder: Builder, model: FhirModel): FhirTypeRefs {
  const primitives = new Set(model.primitiveTypes);
  const resourceTypes = new Set(model.resourceTypes);
  const objects = new Map<string, AnyRef>();
  for (const name of Object.keys(model.types)) objects.set(name, builder.objectRef<Json>(name));
  const paths = elementPaths(model);
  const listArgs = elementListArgs(builder, model);

  const resource = builder.interfaceRef<Json>('Resource').implement({
    description: 'Any FHIR resource. Use an inline fragment (`... on Patient`) for the fields of one type.',
    resolveType: resourceTypeResolver(resourceTypes),
    fields: (t) => ({
      resourceType: t.field({ type: 'String', nullable: false, resolve: (r: Json) => String(r['resourceType']) }),
      id: t.field({ type: 'ID', resolve: (r: Json) => r['id'] as string | undefined }),
      meta: t.field({ type: objects.get('Meta'), resolve: (r: Json) => inheritOrigin(r['meta'], originOf(r)) as never }),
      implicitRules: t.field({ type: 'String', resolve: (r: Json) => r['implicitRules'] as string | undefined }),
      language: t.field({ type: 'String', resolve: (r: Json) => r['language'] as string | undefined }),
      sourceId: t.field({
        type: 'String',
        nullable: false,
        description: 'Gateway extension: the id of the configured source this resource was read from (no FHIR element is changed to carry it)',
        resolve: (r: Json) => sourceIdOf(r),
      }),
    }),
  });

  const outputType = (code: string): AnyRef => {
    if (primitives.has(code)) return scalarFor(code);
    if (code === 'Resource') return resource;
    const ref = objects.get(code);
    if (!ref) throw new Error(`FHIR model refers to unknown type ${code}`);
    return ref;
  };

  for (const [name, def] of Object.entries(model.types)) {
    const isResource = def.kind === 'resource';
    builder.objectType(objects.get(name), {
      description: def.description,
      ...(isResource ? { interfaces: [resource], isTypeOf: (v: unknown) => (v as Json)['resourceType'] === name } : {}),
      fields: (t: AnyRef) => {
        const fields: Record<string, unknown> = {};
        for (const field of def.fields) {
          const codes = field.choice ? field.types : field.types.slice(0, 1);
          for (const code of codes) {
            const fieldName = field.choice ? choiceFieldName(field.name, code) : field.name;
            const inherited = isResource && INTERFACE_FIELDS.has(fieldName);
            // FHIRPath type information for items of this field; resources (`contained`) carry their own
            const path = code === 'Resource' ? undefined : `${paths.get(name)!}.${fieldName}`;
            const primitive = primitives.has(code);
            if (!inherited) {
              const args = field.array && !primitive ? listArgs(t, code) : undefined;
              fields[fieldName] = elementField(t, fieldName, outputType(code), field, primitive ? 'primitive' : 'complex', path, args);
            }
            if (primitive && !(isResource && fieldName === 'id')) {
              fields['_' + fieldName] = elementField(t, '_' + fieldName, objects.get('Element'), field, 'companion', path, undefined);
            }
          }
        }
        return fields as never;
      },
    });
  }
  return { objects, resource };
}

function sourceIdOf(resource: Json): string {
  const origin = originOf(resource);
  if (!origin) throw new Error(`${String(resource['resourceType'])} has no recorded source`);
  return origin.sourceId;
}

/** 'complex': a datatype, backbone element or resource; 'companion': the `_name` Element of a primitive. */
type ElementKind = 'primitive' | 'complex' | 'companion';

/** `listArgs`: the arguments of a repeating complex element (shared by every field of its item type). */
function elementField(
  t: AnyRef,
  key: string,
  type: AnyRef,
  field: FieldDef,
  kind: ElementKind,
  path: string | undefined,
  listArgs: Record<string, unknown> | undefined,
): unknown {
  const description = field.description;
  if (field.array) {
    if (kind !== 'complex') {
      // the values of a primitive list and its `_name` companion are aligned by index: neither takes arguments
      return t.field({
        type: [type],
        nullable: { list: true, items: true },
        description,
        resolve: kind === 'primitive' ? (parent: Json) => parent[key] : (parent: Json) => inheritOrigin(parent[key], originOf(parent)),
      });
    }
    return t.field({
      type: [type],
      nullable: { list: true, items: true },
      description,
      args: listArgs,
      resolve: (parent: Json, args: ListArgs, ctx: object, info: GraphQLResolveInfo) => {
        const origin = originOf(parent);
        return resolveElementList(inheritOrigin(parent[key], origin), args, ctx, info, path, origin?.root);
      },
    });
  }
  if (kind === 'primitive') return t.field({ type, description, resolve: (parent: Json) => parent[key] });
  return t.field({
    type,
    description,
    resolve: (parent: Json, _args: unknown, ctx: object, info: GraphQLResolveInfo) => {
      const origin = originOf(parent);
      const value = inheritOrigin(parent[key], origin);
      recordSliceSource(ctx, info, value, path, origin?.root);
      return value;
    },
  });
}
