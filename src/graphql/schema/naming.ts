/** GraphQL names of generated FHIR things, as the HL7 FHIR GraphQL page and Medplum/HAPI spell them. */

export function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** 'value' + 'Quantity' -> 'valueQuantity'; 'effective' + 'dateTime' -> 'effectiveDateTime'. */
export function choiceFieldName(stem: string, typeCode: string): string {
  return stem + upperFirst(typeCode);
}

/** Search parameter code to GraphQL argument name: 'general-practitioner' -> 'general_practitioner'. */
export function argName(code: string): string {
  return code.replace(/-/g, '_');
}

export const connectionTypeName = (resourceType: string) => `${resourceType}Connection`;
export const edgeTypeName = (resourceType: string) => `${resourceType}ConnectionEdge`;
/** Enum of the search parameters of `referencing` that can point at `target` (Medplum's naming). */
export const reverseEnumName = (target: string, referencing: string) => `${target}_${referencing}_reference`;

/** GraphQL scalar for a FHIR primitive type code. */
export function scalarFor(typeCode: string): 'Boolean' | 'Int' | 'Float' | 'String' {
  switch (typeCode) {
    case 'boolean':
      return 'Boolean';
    case 'integer':
    case 'positiveInt':
    case 'unsignedInt':
      return 'Int';
    case 'decimal':
      return 'Float';
    default:
      return 'String';
  }
}
