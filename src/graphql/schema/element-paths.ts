import type { FhirModel } from '../../fhir/model/model.types.ts';
import { upperFirst } from './naming.ts';

/**
 * The FHIR element path of every generated type, for FHIRPath's type information: a resource or datatype is its own
 * name, a backbone element the path that defines it ('PatientContact' -> 'Patient.contact',
 * 'ClaimResponseItemAdjudication' -> 'ClaimResponse.item.adjudication'). A backbone type reused elsewhere
 * (`BundleEntry.link` is a `BundleLink`) keeps its defining path; FHIRPath's model maps the reuse itself.
 */
export function elementPaths(model: FhirModel): ReadonlyMap<string, string> {
  const paths = new Map<string, string>();
  const queue: string[] = [];
  for (const [name, def] of Object.entries(model.types)) {
    if (def.kind !== 'backbone') {
      paths.set(name, name);
      queue.push(name);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const owner = queue[i]!;
    for (const field of model.types[owner]!.fields) {
      for (const code of field.types) {
        if (model.types[code]?.kind !== 'backbone' || paths.has(code) || owner + upperFirst(field.name) !== code) continue;
        paths.set(code, `${paths.get(owner)!}.${field.name}`);
        queue.push(code);
      }
    }
  }
  return paths;
}
