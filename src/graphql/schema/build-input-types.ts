import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';
import type { Builder } from '../builder.ts';
import type { FhirModel } from '../../fhir/model/model.types.ts';
import type { AnyRef } from './build-fhir-types.ts';
import { choiceFieldName, scalarFor } from './naming.ts';

/**
 * Input type of a FHIR type for mutations: `PatientCreate`, `HumanNameCreate`, ... — Medplum's names, so that an
 * operation written for Medplum (`mutation ($res: PatientCreate!) { PatientCreate(res: $res) { id } }`) runs
 * unchanged. (`XInput` would clash with R4's own `StructureMapGroupInput` and `TaskInput` backbone elements.)
 */
export const inputTypeName = (type: string) => `${type}Create`;

/**
 * `ResourceJSON`: one FHIR resource as JSON, where the output type is the `Resource` interface (`contained`,
 * `Bundle.entry.resource`, `Parameters.parameter.resource`). GraphQL has no input unions, so there the
 * resource is taken as it is written in FHIR JSON. It must be an object with a `resourceType`.
 */
const resourceJson = new GraphQLScalarType({
  name: 'ResourceJSON',
  description: 'A FHIR resource in FHIR JSON (an object with a resourceType), where a field may hold any resource type',
  serialize: (value) => value,
  parseValue: (value) => checkResource(value),
  parseLiteral: (ast, variables) => {
    if (ast.kind !== Kind.OBJECT) throw new GraphQLError('ResourceJSON must be an object');
    return checkResource(valueFromASTUntyped(ast, variables));
  },
});

function checkResource(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || typeof (value as { resourceType?: unknown }).resourceType !== 'string') {
    throw new GraphQLError('ResourceJSON must be a FHIR resource: an object with a resourceType');
  }
  return value;
}

/**
 * An input type for every FHIR datatype, backbone element and resource, mirroring the output types field by field
 * (choice elements as `valueQuantity`..., primitives with their `_name` companions), as the HL7 page asks ("input
 * types that are resources that exactly match the output types"). Every field is optional: which elements a
 * resource must have is the FHIR server's to check (it knows its profiles too), and FHIR allows a required
 * primitive to be present through its `_name` extension alone. Returns the input refs by FHIR type name.
 */
export function buildInputTypes(builder: Builder, model: FhirModel): ReadonlyMap<string, AnyRef> {
  const primitives = new Set(model.primitiveTypes);
  const inputs = new Map<string, AnyRef>();
  for (const name of Object.keys(model.types)) inputs.set(name, builder.inputRef<Record<string, unknown>>(inputTypeName(name)));
  builder.addScalarType('ResourceJSON' as never, resourceJson as never, {});
  const element = inputs.get('Element');

  const inputType = (code: string): AnyRef => {
    if (primitives.has(code)) return scalarFor(code);
    if (code === 'Resource') return 'ResourceJSON';
    const ref = inputs.get(code);
    if (!ref) throw new Error(`FHIR model refers to unknown type ${code}`);
    return ref;
  };

  for (const [name, def] of Object.entries(model.types)) {
    const isResource = def.kind === 'resource';
    builder.inputType(inputs.get(name), {
      description: def.description,
      fields: (t: AnyRef) => {
        const fields: Record<string, unknown> = {};
        if (isResource) {
          fields['resourceType'] = t.field({ type: 'String', required: false, description: `'${name}'; may be left out` });
        }
        for (const field of def.fields) {
          const codes = field.choice ? field.types : field.types.slice(0, 1);
          for (const code of codes) {
            const fieldName = field.choice ? choiceFieldName(field.name, code) : field.name;
            const isId = isResource && fieldName === 'id';
            fields[fieldName] = inputField(t, isId ? 'ID' : inputType(code), field.array, field.description);
            if (primitives.has(code) && !isId) fields['_' + fieldName] = inputField(t, element, field.array, undefined);
          }
        }
        return fields as never;
      },
    });
  }
  return inputs;
}

function inputField(t: AnyRef, type: AnyRef, array: boolean | undefined, description: string | undefined): unknown {
  return array
    ? t.field({ type: [type], required: { list: false, items: false }, description })
    : t.field({ type, required: false, description });
}
