/**
 * The compact FHIR R4 model the schema is generated from. It is derived from the official HL7
 * StructureDefinitions and SearchParameters by scripts/build-fhir-model.ts, so that the gateway never
 * parses the 40 MB definition bundles at start-up.
 */
export interface FhirModel {
  readonly fhirVersion: string;
  /** Every concrete resource type, sorted. */
  readonly resourceTypes: readonly string[];
  /** FHIR primitive type codes (boolean, string, dateTime, ...). */
  readonly primitiveTypes: readonly string[];
  /** Complex datatypes, backbone elements and resources by GraphQL type name. */
  readonly types: Readonly<Record<string, TypeDef>>;
  /** Search parameters by resource type, including those inherited from Resource and DomainResource. */
  readonly searchParams: Readonly<Record<string, readonly SearchParamDef[]>>;
  /** The codes of the value sets token search parameters are bound to (`SearchParamDef.valueSet`), by canonical URL. */
  readonly valueSets: Readonly<Record<string, readonly string[]>>;
  /**
   * R4's Patient CompartmentDefinition: per resource type in the compartment, the search parameters linking a resource
   * to its patient (Observation: ['subject', 'performer']; Patient: ['link'], the patient itself being the focus).
   */
  readonly patientCompartment: Readonly<Record<string, readonly string[]>>;
}

export type TypeKind = 'resource' | 'datatype' | 'backbone';

export interface TypeDef {
  readonly kind: TypeKind;
  readonly description?: string;
  readonly fields: readonly FieldDef[];
}

export interface FieldDef {
  /** Element name; for a choice element the stem ('value' of value[x]). */
  readonly name: string;
  /** FHIR type codes, backbone type names, or 'Resource'; more than one means a choice element. */
  readonly types: readonly string[];
  readonly choice?: true;
  readonly array?: true;
  readonly required?: true;
  readonly description?: string;
  /** Target resource types of a Reference element, when the definition restricts them. */
  readonly targets?: readonly string[];
  /** A top-level element of a resource that R4 marks isSummary (what `_summary=true` keeps). */
  readonly summary?: true;
}

export type SearchParamType = 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';

export interface SearchParamDef {
  /** The search parameter code as used on the wire ('general-practitioner'). */
  readonly code: string;
  readonly type: SearchParamType;
  /** Target resource types of a reference parameter. */
  readonly targets?: readonly string[];
  /** A Reference(Any) parameter: its targets are every resource type. */
  readonly anyTarget?: true;
  readonly description?: string;
  /** Element paths relative to the resource (e.g. 'name.family', 'effectiveDateTime'), when the expression is a plain path. */
  readonly paths?: readonly string[];
  /**
   * A token parameter whose elements are `code`s bound `required` to this value set (canonical URL, a key of
   * FhirModel.valueSets): a value outside it can match nothing (`gender=banana`).
   */
  readonly valueSet?: string;
}
