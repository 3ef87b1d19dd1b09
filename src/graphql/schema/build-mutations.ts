import type { Builder } from '../builder.ts';
import type { FhirModel } from '../../fhir/model/model.types.ts';
import { createResource, deleteResource, updateResource, type DeletedResource } from '../../fhir/writes.ts';
import type { FhirTypeRefs } from './build-fhir-types.ts';
import { buildInputTypes } from './build-input-types.ts';

const SOURCE_ARG = 'Gateway extension: the id of the source to write to. Without it, the only source serving the type.';
const IF_MATCH_ARG = 'Gateway extension: only if the current version is this one (meta.versionId, or the ETag W/"3"); sent as If-Match';
const IF_NONE_EXIST_ARG =
  'Gateway extension: conditional create, a search such as "identifier=http://sys|123"; sent as If-None-Exist. ' +
  'If it matches one resource, nothing is created and that resource is returned';

/**
 * Mutation root, as on the HL7 FHIR GraphQL page: `PatientCreate(res:)` and `PatientUpdate(id:, res:)` return
 * the resource as the source holds it after the write; `PatientDelete(id:)` ("no return" on the page) returns a
 * `DeleteResult` naming what was deleted, so that `PatientDelete(id: "1") { id }` — Medplum's example — works.
 */
export function buildMutationType(builder: Builder, model: FhirModel, refs: FhirTypeRefs): void {
  const inputs = buildInputTypes(builder, model);
  const deleted = builder.objectRef<DeletedResource>('DeleteResult').implement({
    description: 'What an XDelete mutation deleted',
    fields: (t) => ({
      resourceType: t.field({ type: 'String', nullable: false, resolve: (d) => d.resourceType }),
      id: t.field({ type: 'ID', nullable: false, resolve: (d) => d.id }),
      sourceId: t.field({ type: 'String', nullable: false, description: 'The source it was deleted from', resolve: (d) => d.sourceId }),
      outcome: t.field({
        type: refs.objects.get('OperationOutcome'),
        description: "The source's OperationOutcome, when it answered with one",
        resolve: (d) => d.outcome as never,
      }),
    }),
  });

  builder.mutationType({
    fields: (t) => {
      const fields: Record<string, unknown> = {};
      for (const type of model.resourceTypes) {
        const ref = refs.objects.get(type);
        const res = inputs.get(type);
        fields[`${type}Create`] = t.field({
          type: ref,
          description: `Create a ${type}; returns it as the source stored it (with its new id)`,
          args: {
            res: t.arg({ type: res, required: true }),
            sourceId: t.arg.string({ description: SOURCE_ARG }),
            ifNoneExist: t.arg.string({ description: IF_NONE_EXIST_ARG }),
          },
          resolve: (_root, args, ctx, info) => createResource(ctx, info.path, type, args) as never,
        });
        fields[`${type}Update`] = t.field({
          type: ref,
          description: `Replace the ${type} with this id; returns the new version`,
          args: {
            id: t.arg({ type: 'ID', required: true }),
            res: t.arg({ type: res, required: true }),
            sourceId: t.arg.string({ description: SOURCE_ARG }),
            ifMatch: t.arg.string({ description: IF_MATCH_ARG }),
          },
          resolve: (_root, args, ctx) => updateResource(ctx, type, { ...args, id: String(args.id) }) as never,
        });
        fields[`${type}Delete`] = t.field({
          type: deleted,
          description: `Delete the ${type} with this id`,
          args: {
            id: t.arg({ type: 'ID', required: true }),
            sourceId: t.arg.string({ description: SOURCE_ARG }),
            ifMatch: t.arg.string({ description: IF_MATCH_ARG }),
          },
          resolve: (_root, args, ctx) => deleteResource(ctx, type, { ...args, id: String(args.id) }),
        });
      }
      return fields as never;
    },
  });
}
