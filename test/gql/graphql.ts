/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Base StructureDefinition for Address Type: An address expressed using postal conventions (as opposed to GPS or other location definition formats). */
export type AddressCreate = {
  _city?: ElementCreate | null | undefined;
  _country?: ElementCreate | null | undefined;
  _district?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _line?: Array<ElementCreate | null | undefined> | null | undefined;
  _postalCode?: ElementCreate | null | undefined;
  _state?: ElementCreate | null | undefined;
  _text?: ElementCreate | null | undefined;
  _type?: ElementCreate | null | undefined;
  _use?: ElementCreate | null | undefined;
  /** Name of city, town etc. */
  city?: string | null | undefined;
  /** Country (e.g. can be ISO 3166 2 or 3 letter code) */
  country?: string | null | undefined;
  /** District name (aka county) */
  district?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Street name, number, direction & P.O. Box etc. */
  line?: Array<string | null | undefined> | null | undefined;
  /** Time period when address was/is in use */
  period?: PeriodCreate | null | undefined;
  /** Postal code for area */
  postalCode?: string | null | undefined;
  /** Sub-unit of country (abbreviations ok) */
  state?: string | null | undefined;
  /** Text representation of the address */
  text?: string | null | undefined;
  /** postal | physical | both */
  type?: string | null | undefined;
  /** home | work | temp | old | billing - purpose of this address */
  use?: string | null | undefined;
};

/** Base StructureDefinition for Age Type: A duration of time during which an organism (or a process) has existed. */
export type AgeCreate = {
  _code?: ElementCreate | null | undefined;
  _comparator?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _system?: ElementCreate | null | undefined;
  _unit?: ElementCreate | null | undefined;
  _value?: ElementCreate | null | undefined;
  /** Coded form of the unit */
  code?: string | null | undefined;
  /** < | <= | >= | > - how to understand the value */
  comparator?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** System that defines coded unit form */
  system?: string | null | undefined;
  /** Unit representation */
  unit?: string | null | undefined;
  /** Numerical value (with implicit precision) */
  value?: number | null | undefined;
};

/** Base StructureDefinition for Annotation Type: A  text note which also  contains information about who made the statement and when. */
export type AnnotationCreate = {
  _authorString?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _text?: ElementCreate | null | undefined;
  _time?: ElementCreate | null | undefined;
  /** Individual responsible for the annotation */
  authorReference?: ReferenceCreate | null | undefined;
  /** Individual responsible for the annotation */
  authorString?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** The annotation  - text content (as markdown) */
  text?: string | null | undefined;
  /** When the annotation was made */
  time?: string | null | undefined;
};

/** Base StructureDefinition for Attachment Type: For referring to data content defined in other formats. */
export type AttachmentCreate = {
  _contentType?: ElementCreate | null | undefined;
  _creation?: ElementCreate | null | undefined;
  _data?: ElementCreate | null | undefined;
  _hash?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _language?: ElementCreate | null | undefined;
  _size?: ElementCreate | null | undefined;
  _title?: ElementCreate | null | undefined;
  _url?: ElementCreate | null | undefined;
  /** Mime type of the content, with charset etc. */
  contentType?: string | null | undefined;
  /** Date attachment was first created */
  creation?: string | null | undefined;
  /** Data inline, base64ed */
  data?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Hash of the data (sha-1, base64ed) */
  hash?: string | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Human language of the content (BCP-47) */
  language?: string | null | undefined;
  /** Number of bytes of content (if url provided) */
  size?: number | null | undefined;
  /** Label to display in place of the data */
  title?: string | null | undefined;
  /** Uri where the data can be found */
  url?: string | null | undefined;
};

/** Base StructureDefinition for CodeableConcept Type: A concept that may be defined by a formal reference to a terminology or ontology or may be provided by text. */
export type CodeableConceptCreate = {
  _id?: ElementCreate | null | undefined;
  _text?: ElementCreate | null | undefined;
  /** Code defined by a terminology system */
  coding?: Array<CodingCreate | null | undefined> | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Plain text representation of the concept */
  text?: string | null | undefined;
};

/** Base StructureDefinition for Coding Type: A reference to a code defined by a terminology system. */
export type CodingCreate = {
  _code?: ElementCreate | null | undefined;
  _display?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _system?: ElementCreate | null | undefined;
  _userSelected?: ElementCreate | null | undefined;
  _version?: ElementCreate | null | undefined;
  /** Symbol in syntax defined by the system */
  code?: string | null | undefined;
  /** Representation defined by the system */
  display?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Identity of the terminology system */
  system?: string | null | undefined;
  /** If this coding was chosen directly by the user */
  userSelected?: boolean | null | undefined;
  /** Version of the system - if relevant */
  version?: string | null | undefined;
};

/** Base StructureDefinition for ContactDetail Type: Specifies contact information for a person or organization. */
export type ContactDetailCreate = {
  _id?: ElementCreate | null | undefined;
  _name?: ElementCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Name of an individual to contact */
  name?: string | null | undefined;
  /** Contact details for individual or organization */
  telecom?: Array<ContactPointCreate | null | undefined> | null | undefined;
};

/** Base StructureDefinition for ContactPoint Type: Details for all kinds of technology mediated contact points for a person or organization, including telephone, email, etc. */
export type ContactPointCreate = {
  _id?: ElementCreate | null | undefined;
  _rank?: ElementCreate | null | undefined;
  _system?: ElementCreate | null | undefined;
  _use?: ElementCreate | null | undefined;
  _value?: ElementCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Time period when the contact point was/is in use */
  period?: PeriodCreate | null | undefined;
  /** Specify preferred order of use (1 = highest) */
  rank?: number | null | undefined;
  /** phone | fax | email | pager | url | sms | other */
  system?: string | null | undefined;
  /** home | work | temp | old | mobile - purpose of this contact point */
  use?: string | null | undefined;
  /** The actual contact point details */
  value?: string | null | undefined;
};

/** Base StructureDefinition for Contributor Type: A contributor to the content of a knowledge asset, including authors, editors, reviewers, and endorsers. */
export type ContributorCreate = {
  _id?: ElementCreate | null | undefined;
  _name?: ElementCreate | null | undefined;
  _type?: ElementCreate | null | undefined;
  /** Contact details of the contributor */
  contact?: Array<ContactDetailCreate | null | undefined> | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Who contributed the content */
  name?: string | null | undefined;
  /** author | editor | reviewer | endorser */
  type?: string | null | undefined;
};

/** Base StructureDefinition for Count Type: A measured amount (or an amount that can potentially be measured). */
export type CountCreate = {
  _code?: ElementCreate | null | undefined;
  _comparator?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _system?: ElementCreate | null | undefined;
  _unit?: ElementCreate | null | undefined;
  _value?: ElementCreate | null | undefined;
  /** Coded form of the unit */
  code?: string | null | undefined;
  /** < | <= | >= | > - how to understand the value */
  comparator?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** System that defines coded unit form */
  system?: string | null | undefined;
  /** Unit representation */
  unit?: string | null | undefined;
  /** Numerical value (with implicit precision) */
  value?: number | null | undefined;
};

/** What codes are expected */
export type DataRequirementCodeFilterCreate = {
  _id?: ElementCreate | null | undefined;
  _path?: ElementCreate | null | undefined;
  _searchParam?: ElementCreate | null | undefined;
  _valueSet?: ElementCreate | null | undefined;
  /** What code is expected */
  code?: Array<CodingCreate | null | undefined> | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** A code-valued attribute to filter on */
  path?: string | null | undefined;
  /** A coded (token) parameter to search on */
  searchParam?: string | null | undefined;
  /** Valueset for the filter */
  valueSet?: string | null | undefined;
};

/** Base StructureDefinition for DataRequirement Type: Describes a required data item for evaluation in terms of the type of data, and optional code or date-based filters of the data. */
export type DataRequirementCreate = {
  _id?: ElementCreate | null | undefined;
  _limit?: ElementCreate | null | undefined;
  _mustSupport?: Array<ElementCreate | null | undefined> | null | undefined;
  _profile?: Array<ElementCreate | null | undefined> | null | undefined;
  _type?: ElementCreate | null | undefined;
  /** What codes are expected */
  codeFilter?: Array<DataRequirementCodeFilterCreate | null | undefined> | null | undefined;
  /** What dates/date ranges are expected */
  dateFilter?: Array<DataRequirementDateFilterCreate | null | undefined> | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Number of results */
  limit?: number | null | undefined;
  /** Indicates specific structure elements that are referenced by the knowledge module */
  mustSupport?: Array<string | null | undefined> | null | undefined;
  /** The profile of the required data */
  profile?: Array<string | null | undefined> | null | undefined;
  /** Order of the results */
  sort?: Array<DataRequirementSortCreate | null | undefined> | null | undefined;
  /** E.g. Patient, Practitioner, RelatedPerson, Organization, Location, Device */
  subjectCodeableConcept?: CodeableConceptCreate | null | undefined;
  /** E.g. Patient, Practitioner, RelatedPerson, Organization, Location, Device */
  subjectReference?: ReferenceCreate | null | undefined;
  /** The type of the required data */
  type?: string | null | undefined;
};

/** What dates/date ranges are expected */
export type DataRequirementDateFilterCreate = {
  _id?: ElementCreate | null | undefined;
  _path?: ElementCreate | null | undefined;
  _searchParam?: ElementCreate | null | undefined;
  _valueDateTime?: ElementCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** A date-valued attribute to filter on */
  path?: string | null | undefined;
  /** A date valued parameter to search on */
  searchParam?: string | null | undefined;
  /** The value of the filter, as a Period, DateTime, or Duration value */
  valueDateTime?: string | null | undefined;
  /** The value of the filter, as a Period, DateTime, or Duration value */
  valueDuration?: DurationCreate | null | undefined;
  /** The value of the filter, as a Period, DateTime, or Duration value */
  valuePeriod?: PeriodCreate | null | undefined;
};

/** Order of the results */
export type DataRequirementSortCreate = {
  _direction?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _path?: ElementCreate | null | undefined;
  /** ascending | descending */
  direction?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** The name of the attribute to perform the sort */
  path?: string | null | undefined;
};

/** Base StructureDefinition for Distance Type: A length - a value with a unit that is a physical distance. */
export type DistanceCreate = {
  _code?: ElementCreate | null | undefined;
  _comparator?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _system?: ElementCreate | null | undefined;
  _unit?: ElementCreate | null | undefined;
  _value?: ElementCreate | null | undefined;
  /** Coded form of the unit */
  code?: string | null | undefined;
  /** < | <= | >= | > - how to understand the value */
  comparator?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** System that defines coded unit form */
  system?: string | null | undefined;
  /** Unit representation */
  unit?: string | null | undefined;
  /** Numerical value (with implicit precision) */
  value?: number | null | undefined;
};

/** Base StructureDefinition for Dosage Type: Indicates how the medication is/was taken or should be taken by the patient. */
export type DosageCreate = {
  _asNeededBoolean?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _patientInstruction?: ElementCreate | null | undefined;
  _sequence?: ElementCreate | null | undefined;
  _text?: ElementCreate | null | undefined;
  /** Supplemental instruction or warnings to the patient - e.g. "with meals", "may cause drowsiness" */
  additionalInstruction?: Array<CodeableConceptCreate | null | undefined> | null | undefined;
  /** Take "as needed" (for x) */
  asNeededBoolean?: boolean | null | undefined;
  /** Take "as needed" (for x) */
  asNeededCodeableConcept?: CodeableConceptCreate | null | undefined;
  /** Amount of medication administered */
  doseAndRate?: Array<DosageDoseAndRateCreate | null | undefined> | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Upper limit on medication per administration */
  maxDosePerAdministration?: QuantityCreate | null | undefined;
  /** Upper limit on medication per lifetime of the patient */
  maxDosePerLifetime?: QuantityCreate | null | undefined;
  /** Upper limit on medication per unit of time */
  maxDosePerPeriod?: RatioCreate | null | undefined;
  /** Technique for administering medication */
  method?: CodeableConceptCreate | null | undefined;
  /** Extensions that cannot be ignored even if unrecognized */
  modifierExtension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Patient or consumer oriented instructions */
  patientInstruction?: string | null | undefined;
  /** How drug should enter body */
  route?: CodeableConceptCreate | null | undefined;
  /** The order of the dosage instructions */
  sequence?: number | null | undefined;
  /** Body site to administer to */
  site?: CodeableConceptCreate | null | undefined;
  /** Free text dosage instructions e.g. SIG */
  text?: string | null | undefined;
  /** When medication should be administered */
  timing?: TimingCreate | null | undefined;
};

/** Amount of medication administered */
export type DosageDoseAndRateCreate = {
  _id?: ElementCreate | null | undefined;
  /** Amount of medication per dose */
  doseQuantity?: QuantityCreate | null | undefined;
  /** Amount of medication per dose */
  doseRange?: RangeCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Amount of medication per unit of time */
  rateQuantity?: QuantityCreate | null | undefined;
  /** Amount of medication per unit of time */
  rateRange?: RangeCreate | null | undefined;
  /** Amount of medication per unit of time */
  rateRatio?: RatioCreate | null | undefined;
  /** The kind of dose or rate specified */
  type?: CodeableConceptCreate | null | undefined;
};

/** Base StructureDefinition for Duration Type: A length of time. */
export type DurationCreate = {
  _code?: ElementCreate | null | undefined;
  _comparator?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _system?: ElementCreate | null | undefined;
  _unit?: ElementCreate | null | undefined;
  _value?: ElementCreate | null | undefined;
  /** Coded form of the unit */
  code?: string | null | undefined;
  /** < | <= | >= | > - how to understand the value */
  comparator?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** System that defines coded unit form */
  system?: string | null | undefined;
  /** Unit representation */
  unit?: string | null | undefined;
  /** Numerical value (with implicit precision) */
  value?: number | null | undefined;
};

/** Base StructureDefinition for Element Type: Base definition for all elements in a resource. */
export type ElementCreate = {
  _id?: ElementCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
};

/** Base StructureDefinition for Expression Type: A expression that is evaluated in a specified context and returns a value. */
export type ExpressionCreate = {
  _description?: ElementCreate | null | undefined;
  _expression?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _language?: ElementCreate | null | undefined;
  _name?: ElementCreate | null | undefined;
  _reference?: ElementCreate | null | undefined;
  /** Natural language description of the condition */
  description?: string | null | undefined;
  /** Expression in specified language */
  expression?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** text/cql | text/fhirpath | application/x-fhir-query | etc. */
  language?: string | null | undefined;
  /** Short name assigned to expression for reuse */
  name?: string | null | undefined;
  /** Where the expression is found */
  reference?: string | null | undefined;
};

/** Base StructureDefinition for Extension Type: Optional Extension Element - found in all resources. */
export type ExtensionCreate = {
  _id?: ElementCreate | null | undefined;
  _url?: ElementCreate | null | undefined;
  _valueBase64Binary?: ElementCreate | null | undefined;
  _valueBoolean?: ElementCreate | null | undefined;
  _valueCanonical?: ElementCreate | null | undefined;
  _valueCode?: ElementCreate | null | undefined;
  _valueDate?: ElementCreate | null | undefined;
  _valueDateTime?: ElementCreate | null | undefined;
  _valueDecimal?: ElementCreate | null | undefined;
  _valueId?: ElementCreate | null | undefined;
  _valueInstant?: ElementCreate | null | undefined;
  _valueInteger?: ElementCreate | null | undefined;
  _valueMarkdown?: ElementCreate | null | undefined;
  _valueOid?: ElementCreate | null | undefined;
  _valuePositiveInt?: ElementCreate | null | undefined;
  _valueString?: ElementCreate | null | undefined;
  _valueTime?: ElementCreate | null | undefined;
  _valueUnsignedInt?: ElementCreate | null | undefined;
  _valueUri?: ElementCreate | null | undefined;
  _valueUrl?: ElementCreate | null | undefined;
  _valueUuid?: ElementCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** identifies the meaning of the extension */
  url?: string | null | undefined;
  /** Value of extension */
  valueAddress?: AddressCreate | null | undefined;
  /** Value of extension */
  valueAge?: AgeCreate | null | undefined;
  /** Value of extension */
  valueAnnotation?: AnnotationCreate | null | undefined;
  /** Value of extension */
  valueAttachment?: AttachmentCreate | null | undefined;
  /** Value of extension */
  valueBase64Binary?: string | null | undefined;
  /** Value of extension */
  valueBoolean?: boolean | null | undefined;
  /** Value of extension */
  valueCanonical?: string | null | undefined;
  /** Value of extension */
  valueCode?: string | null | undefined;
  /** Value of extension */
  valueCodeableConcept?: CodeableConceptCreate | null | undefined;
  /** Value of extension */
  valueCoding?: CodingCreate | null | undefined;
  /** Value of extension */
  valueContactDetail?: ContactDetailCreate | null | undefined;
  /** Value of extension */
  valueContactPoint?: ContactPointCreate | null | undefined;
  /** Value of extension */
  valueContributor?: ContributorCreate | null | undefined;
  /** Value of extension */
  valueCount?: CountCreate | null | undefined;
  /** Value of extension */
  valueDataRequirement?: DataRequirementCreate | null | undefined;
  /** Value of extension */
  valueDate?: string | null | undefined;
  /** Value of extension */
  valueDateTime?: string | null | undefined;
  /** Value of extension */
  valueDecimal?: number | null | undefined;
  /** Value of extension */
  valueDistance?: DistanceCreate | null | undefined;
  /** Value of extension */
  valueDosage?: DosageCreate | null | undefined;
  /** Value of extension */
  valueDuration?: DurationCreate | null | undefined;
  /** Value of extension */
  valueExpression?: ExpressionCreate | null | undefined;
  /** Value of extension */
  valueHumanName?: HumanNameCreate | null | undefined;
  /** Value of extension */
  valueId?: string | null | undefined;
  /** Value of extension */
  valueIdentifier?: IdentifierCreate | null | undefined;
  /** Value of extension */
  valueInstant?: string | null | undefined;
  /** Value of extension */
  valueInteger?: number | null | undefined;
  /** Value of extension */
  valueMarkdown?: string | null | undefined;
  /** Value of extension */
  valueMeta?: MetaCreate | null | undefined;
  /** Value of extension */
  valueMoney?: MoneyCreate | null | undefined;
  /** Value of extension */
  valueOid?: string | null | undefined;
  /** Value of extension */
  valueParameterDefinition?: ParameterDefinitionCreate | null | undefined;
  /** Value of extension */
  valuePeriod?: PeriodCreate | null | undefined;
  /** Value of extension */
  valuePositiveInt?: number | null | undefined;
  /** Value of extension */
  valueQuantity?: QuantityCreate | null | undefined;
  /** Value of extension */
  valueRange?: RangeCreate | null | undefined;
  /** Value of extension */
  valueRatio?: RatioCreate | null | undefined;
  /** Value of extension */
  valueReference?: ReferenceCreate | null | undefined;
  /** Value of extension */
  valueRelatedArtifact?: RelatedArtifactCreate | null | undefined;
  /** Value of extension */
  valueSampledData?: SampledDataCreate | null | undefined;
  /** Value of extension */
  valueSignature?: SignatureCreate | null | undefined;
  /** Value of extension */
  valueString?: string | null | undefined;
  /** Value of extension */
  valueTime?: string | null | undefined;
  /** Value of extension */
  valueTiming?: TimingCreate | null | undefined;
  /** Value of extension */
  valueTriggerDefinition?: TriggerDefinitionCreate | null | undefined;
  /** Value of extension */
  valueUnsignedInt?: number | null | undefined;
  /** Value of extension */
  valueUri?: string | null | undefined;
  /** Value of extension */
  valueUrl?: string | null | undefined;
  /** Value of extension */
  valueUsageContext?: UsageContextCreate | null | undefined;
  /** Value of extension */
  valueUuid?: string | null | undefined;
};

/** Base StructureDefinition for HumanName Type: A human's name with the ability to identify parts and usage. */
export type HumanNameCreate = {
  _family?: ElementCreate | null | undefined;
  _given?: Array<ElementCreate | null | undefined> | null | undefined;
  _id?: ElementCreate | null | undefined;
  _prefix?: Array<ElementCreate | null | undefined> | null | undefined;
  _suffix?: Array<ElementCreate | null | undefined> | null | undefined;
  _text?: ElementCreate | null | undefined;
  _use?: ElementCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Family name (often called 'Surname') */
  family?: string | null | undefined;
  /** Given names (not always 'first'). Includes middle names */
  given?: Array<string | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Time period when name was/is in use */
  period?: PeriodCreate | null | undefined;
  /** Parts that come before the name */
  prefix?: Array<string | null | undefined> | null | undefined;
  /** Parts that come after the name */
  suffix?: Array<string | null | undefined> | null | undefined;
  /** Text representation of the full name */
  text?: string | null | undefined;
  /** usual | official | temp | nickname | anonymous | old | maiden */
  use?: string | null | undefined;
};

/** Base StructureDefinition for Identifier Type: An identifier - identifies some entity uniquely and unambiguously. */
export type IdentifierCreate = {
  _id?: ElementCreate | null | undefined;
  _system?: ElementCreate | null | undefined;
  _use?: ElementCreate | null | undefined;
  _value?: ElementCreate | null | undefined;
  /** Organization that issued id (may be just text) */
  assigner?: ReferenceCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Time period when id is/was valid for use */
  period?: PeriodCreate | null | undefined;
  /** The namespace for the identifier value */
  system?: string | null | undefined;
  /** Description of identifier */
  type?: CodeableConceptCreate | null | undefined;
  /** usual | official | temp | secondary | old (If known) */
  use?: string | null | undefined;
  /** The value that is unique */
  value?: string | null | undefined;
};

/** Base StructureDefinition for Meta Type: The metadata about a resource. */
export type MetaCreate = {
  _deleted?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _lastUpdated?: ElementCreate | null | undefined;
  _profile?: Array<ElementCreate | null | undefined> | null | undefined;
  _project?: ElementCreate | null | undefined;
  _source?: ElementCreate | null | undefined;
  _versionId?: ElementCreate | null | undefined;
  /** Optional account reference that can be used for sub-project compartments. */
  account?: ReferenceCreate | null | undefined;
  /** Optional account references that can be used for sub-project compartments. */
  accounts?: Array<ReferenceCreate | null | undefined> | null | undefined;
  /** The individual, device or organization who initiated the last change. */
  author?: ReferenceCreate | null | undefined;
  /** The list of compartments containing this resource */
  compartment?: Array<ReferenceCreate | null | undefined> | null | undefined;
  /** True when this version represents a logical delete tombstone. */
  deleted?: boolean | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** When the resource version last changed */
  lastUpdated?: string | null | undefined;
  /** Optional individual, device, or organization for whom the change was made. */
  onBehalfOf?: ReferenceCreate | null | undefined;
  /** Profiles this resource claims to conform to */
  profile?: Array<string | null | undefined> | null | undefined;
  /** The project that contains this resource. */
  project?: string | null | undefined;
  /** Security Labels applied to this resource */
  security?: Array<CodingCreate | null | undefined> | null | undefined;
  /** Identifies where the resource comes from */
  source?: string | null | undefined;
  /** Tags applied to this resource */
  tag?: Array<CodingCreate | null | undefined> | null | undefined;
  /** Version specific identifier */
  versionId?: string | null | undefined;
};

/** Base StructureDefinition for Money Type: An amount of economic utility in some recognized currency. */
export type MoneyCreate = {
  _currency?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _value?: ElementCreate | null | undefined;
  /** ISO 4217 Currency Code */
  currency?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Numerical value (with implicit precision) */
  value?: number | null | undefined;
};

/** Base StructureDefinition for Narrative Type: A human-readable summary of the resource conveying the essential clinical and business information for the resource. */
export type NarrativeCreate = {
  _div?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _status?: ElementCreate | null | undefined;
  /** Limited xhtml content */
  div?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** generated | extensions | additional | empty */
  status?: string | null | undefined;
};

/** Component results */
export type ObservationComponentCreate = {
  _id?: ElementCreate | null | undefined;
  _valueBoolean?: ElementCreate | null | undefined;
  _valueDateTime?: ElementCreate | null | undefined;
  _valueInteger?: ElementCreate | null | undefined;
  _valueString?: ElementCreate | null | undefined;
  _valueTime?: ElementCreate | null | undefined;
  /** Type of component observation (code / type) */
  code?: CodeableConceptCreate | null | undefined;
  /** Why the component result is missing */
  dataAbsentReason?: CodeableConceptCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** High, low, normal, etc. */
  interpretation?: Array<CodeableConceptCreate | null | undefined> | null | undefined;
  /** Extensions that cannot be ignored even if unrecognized */
  modifierExtension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Provides guide for interpretation of component result */
  referenceRange?: Array<ObservationReferenceRangeCreate | null | undefined> | null | undefined;
  /** Actual component result */
  valueBoolean?: boolean | null | undefined;
  /** Actual component result */
  valueCodeableConcept?: CodeableConceptCreate | null | undefined;
  /** Actual component result */
  valueDateTime?: string | null | undefined;
  /** Actual component result */
  valueInteger?: number | null | undefined;
  /** Actual component result */
  valuePeriod?: PeriodCreate | null | undefined;
  /** Actual component result */
  valueQuantity?: QuantityCreate | null | undefined;
  /** Actual component result */
  valueRange?: RangeCreate | null | undefined;
  /** Actual component result */
  valueRatio?: RatioCreate | null | undefined;
  /** Actual component result */
  valueSampledData?: SampledDataCreate | null | undefined;
  /** Actual component result */
  valueString?: string | null | undefined;
  /** Actual component result */
  valueTime?: string | null | undefined;
};

/** Measurements and simple assertions made about a patient, device or other subject. */
export type ObservationCreate = {
  _effectiveDateTime?: ElementCreate | null | undefined;
  _effectiveInstant?: ElementCreate | null | undefined;
  _implicitRules?: ElementCreate | null | undefined;
  _issued?: ElementCreate | null | undefined;
  _language?: ElementCreate | null | undefined;
  _status?: ElementCreate | null | undefined;
  _valueBoolean?: ElementCreate | null | undefined;
  _valueDateTime?: ElementCreate | null | undefined;
  _valueInteger?: ElementCreate | null | undefined;
  _valueString?: ElementCreate | null | undefined;
  _valueTime?: ElementCreate | null | undefined;
  /** Fulfills plan, proposal or order */
  basedOn?: Array<ReferenceCreate | null | undefined> | null | undefined;
  /** Observed body part */
  bodySite?: CodeableConceptCreate | null | undefined;
  /** Classification of  type of observation */
  category?: Array<CodeableConceptCreate | null | undefined> | null | undefined;
  /** Type of observation (code / type) */
  code?: CodeableConceptCreate | null | undefined;
  /** Component results */
  component?: Array<ObservationComponentCreate | null | undefined> | null | undefined;
  /** Contained, inline Resources */
  contained?: Array<unknown> | null | undefined;
  /** Why the result is missing */
  dataAbsentReason?: CodeableConceptCreate | null | undefined;
  /** Related measurements the observation is made from */
  derivedFrom?: Array<ReferenceCreate | null | undefined> | null | undefined;
  /** (Measurement) Device */
  device?: ReferenceCreate | null | undefined;
  /** Clinically relevant time/time-period for observation */
  effectiveDateTime?: string | null | undefined;
  /** Clinically relevant time/time-period for observation */
  effectiveInstant?: string | null | undefined;
  /** Clinically relevant time/time-period for observation */
  effectivePeriod?: PeriodCreate | null | undefined;
  /** Clinically relevant time/time-period for observation */
  effectiveTiming?: TimingCreate | null | undefined;
  /** Healthcare event during which this observation is made */
  encounter?: ReferenceCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** What the observation is about, when it is not about the subject of record */
  focus?: Array<ReferenceCreate | null | undefined> | null | undefined;
  /** Related resource that belongs to the Observation group */
  hasMember?: Array<ReferenceCreate | null | undefined> | null | undefined;
  /** Logical id of this artifact */
  id?: string | number | null | undefined;
  /** Business Identifier for observation */
  identifier?: Array<IdentifierCreate | null | undefined> | null | undefined;
  /** A set of rules under which this content was created */
  implicitRules?: string | null | undefined;
  /** High, low, normal, etc. */
  interpretation?: Array<CodeableConceptCreate | null | undefined> | null | undefined;
  /** Date/Time this version was made available */
  issued?: string | null | undefined;
  /** Language of the resource content */
  language?: string | null | undefined;
  /** Metadata about the resource */
  meta?: MetaCreate | null | undefined;
  /** How it was done */
  method?: CodeableConceptCreate | null | undefined;
  /** Extensions that cannot be ignored */
  modifierExtension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Comments about the observation */
  note?: Array<AnnotationCreate | null | undefined> | null | undefined;
  /** Part of referenced event */
  partOf?: Array<ReferenceCreate | null | undefined> | null | undefined;
  /** Who is responsible for the observation */
  performer?: Array<ReferenceCreate | null | undefined> | null | undefined;
  /** Provides guide for interpretation */
  referenceRange?: Array<ObservationReferenceRangeCreate | null | undefined> | null | undefined;
  /** 'Observation'; may be left out */
  resourceType?: string | null | undefined;
  /** Specimen used for this observation */
  specimen?: ReferenceCreate | null | undefined;
  /** registered | preliminary | final | amended + */
  status?: string | null | undefined;
  /** Who and/or what the observation is about */
  subject?: ReferenceCreate | null | undefined;
  /** Text summary of the resource, for human interpretation */
  text?: NarrativeCreate | null | undefined;
  /** Actual result */
  valueBoolean?: boolean | null | undefined;
  /** Actual result */
  valueCodeableConcept?: CodeableConceptCreate | null | undefined;
  /** Actual result */
  valueDateTime?: string | null | undefined;
  /** Actual result */
  valueInteger?: number | null | undefined;
  /** Actual result */
  valuePeriod?: PeriodCreate | null | undefined;
  /** Actual result */
  valueQuantity?: QuantityCreate | null | undefined;
  /** Actual result */
  valueRange?: RangeCreate | null | undefined;
  /** Actual result */
  valueRatio?: RatioCreate | null | undefined;
  /** Actual result */
  valueSampledData?: SampledDataCreate | null | undefined;
  /** Actual result */
  valueString?: string | null | undefined;
  /** Actual result */
  valueTime?: string | null | undefined;
};

/** Provides guide for interpretation */
export type ObservationReferenceRangeCreate = {
  _id?: ElementCreate | null | undefined;
  _text?: ElementCreate | null | undefined;
  /** Applicable age range, if relevant */
  age?: RangeCreate | null | undefined;
  /** Reference range population */
  appliesTo?: Array<CodeableConceptCreate | null | undefined> | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** High Range, if relevant */
  high?: QuantityCreate | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Low Range, if relevant */
  low?: QuantityCreate | null | undefined;
  /** Extensions that cannot be ignored even if unrecognized */
  modifierExtension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Text based reference range in an observation */
  text?: string | null | undefined;
  /** Reference range qualifier */
  type?: CodeableConceptCreate | null | undefined;
};

/** Base StructureDefinition for ParameterDefinition Type: The parameters to the module. */
export type ParameterDefinitionCreate = {
  _documentation?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _max?: ElementCreate | null | undefined;
  _min?: ElementCreate | null | undefined;
  _name?: ElementCreate | null | undefined;
  _profile?: ElementCreate | null | undefined;
  _type?: ElementCreate | null | undefined;
  _use?: ElementCreate | null | undefined;
  /** A brief description of the parameter */
  documentation?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Maximum cardinality (a number of *) */
  max?: string | null | undefined;
  /** Minimum cardinality */
  min?: number | null | undefined;
  /** Name used to access the parameter value */
  name?: string | null | undefined;
  /** What profile the value is expected to be */
  profile?: string | null | undefined;
  /** What type of value */
  type?: string | null | undefined;
  /** in | out */
  use?: string | null | undefined;
};

/** A language which may be used to communicate with the patient about his or her health */
export type PatientCommunicationCreate = {
  _id?: ElementCreate | null | undefined;
  _preferred?: ElementCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** The language which can be used to communicate with the patient about his or her health */
  language?: CodeableConceptCreate | null | undefined;
  /** Extensions that cannot be ignored even if unrecognized */
  modifierExtension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Language preference indicator */
  preferred?: boolean | null | undefined;
};

/** A contact party (e.g. guardian, partner, friend) for the patient */
export type PatientContactCreate = {
  _gender?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  /** Address for the contact person */
  address?: AddressCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** male | female | other | unknown */
  gender?: string | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Extensions that cannot be ignored even if unrecognized */
  modifierExtension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** A name associated with the contact person */
  name?: HumanNameCreate | null | undefined;
  /** Organization that is associated with the contact */
  organization?: ReferenceCreate | null | undefined;
  /** The period during which this contact person or organization is valid to be contacted relating to this patient */
  period?: PeriodCreate | null | undefined;
  /** The kind of relationship */
  relationship?: Array<CodeableConceptCreate | null | undefined> | null | undefined;
  /** A contact detail for the person */
  telecom?: Array<ContactPointCreate | null | undefined> | null | undefined;
};

/** Demographics and other administrative information about an individual or animal receiving care or other health-related services. */
export type PatientCreate = {
  _active?: ElementCreate | null | undefined;
  _birthDate?: ElementCreate | null | undefined;
  _deceasedBoolean?: ElementCreate | null | undefined;
  _deceasedDateTime?: ElementCreate | null | undefined;
  _gender?: ElementCreate | null | undefined;
  _implicitRules?: ElementCreate | null | undefined;
  _language?: ElementCreate | null | undefined;
  _multipleBirthBoolean?: ElementCreate | null | undefined;
  _multipleBirthInteger?: ElementCreate | null | undefined;
  /** Whether this patient's record is in active use */
  active?: boolean | null | undefined;
  /** An address for the individual */
  address?: Array<AddressCreate | null | undefined> | null | undefined;
  /** The date of birth for the individual */
  birthDate?: string | null | undefined;
  /** A language which may be used to communicate with the patient about his or her health */
  communication?: Array<PatientCommunicationCreate | null | undefined> | null | undefined;
  /** A contact party (e.g. guardian, partner, friend) for the patient */
  contact?: Array<PatientContactCreate | null | undefined> | null | undefined;
  /** Contained, inline Resources */
  contained?: Array<unknown> | null | undefined;
  /** Indicates if the individual is deceased or not */
  deceasedBoolean?: boolean | null | undefined;
  /** Indicates if the individual is deceased or not */
  deceasedDateTime?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** male | female | other | unknown */
  gender?: string | null | undefined;
  /** Patient's nominated primary care provider */
  generalPractitioner?: Array<ReferenceCreate | null | undefined> | null | undefined;
  /** Logical id of this artifact */
  id?: string | number | null | undefined;
  /** An identifier for this patient */
  identifier?: Array<IdentifierCreate | null | undefined> | null | undefined;
  /** A set of rules under which this content was created */
  implicitRules?: string | null | undefined;
  /** Language of the resource content */
  language?: string | null | undefined;
  /** Link to another patient resource that concerns the same actual person */
  link?: Array<PatientLinkCreate | null | undefined> | null | undefined;
  /** Organization that is the custodian of the patient record */
  managingOrganization?: ReferenceCreate | null | undefined;
  /** Marital (civil) status of a patient */
  maritalStatus?: CodeableConceptCreate | null | undefined;
  /** Metadata about the resource */
  meta?: MetaCreate | null | undefined;
  /** Extensions that cannot be ignored */
  modifierExtension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Whether patient is part of a multiple birth */
  multipleBirthBoolean?: boolean | null | undefined;
  /** Whether patient is part of a multiple birth */
  multipleBirthInteger?: number | null | undefined;
  /** A name associated with the patient */
  name?: Array<HumanNameCreate | null | undefined> | null | undefined;
  /** Image of the patient */
  photo?: Array<AttachmentCreate | null | undefined> | null | undefined;
  /** 'Patient'; may be left out */
  resourceType?: string | null | undefined;
  /** A contact detail for the individual */
  telecom?: Array<ContactPointCreate | null | undefined> | null | undefined;
  /** Text summary of the resource, for human interpretation */
  text?: NarrativeCreate | null | undefined;
};

/** Link to another patient resource that concerns the same actual person */
export type PatientLinkCreate = {
  _id?: ElementCreate | null | undefined;
  _type?: ElementCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Extensions that cannot be ignored even if unrecognized */
  modifierExtension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** The other patient or related person resource that the link refers to */
  other?: ReferenceCreate | null | undefined;
  /** replaced-by | replaces | refer | seealso */
  type?: string | null | undefined;
};

/** Base StructureDefinition for Period Type: A time period defined by a start and end date and optionally time. */
export type PeriodCreate = {
  _end?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _start?: ElementCreate | null | undefined;
  /** End time with inclusive boundary, if not ongoing */
  end?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Starting time with inclusive boundary */
  start?: string | null | undefined;
};

/** Base StructureDefinition for Quantity Type: A measured amount (or an amount that can potentially be measured). */
export type QuantityCreate = {
  _code?: ElementCreate | null | undefined;
  _comparator?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _system?: ElementCreate | null | undefined;
  _unit?: ElementCreate | null | undefined;
  _value?: ElementCreate | null | undefined;
  /** Coded form of the unit */
  code?: string | null | undefined;
  /** < | <= | >= | > - how to understand the value */
  comparator?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** System that defines coded unit form */
  system?: string | null | undefined;
  /** Unit representation */
  unit?: string | null | undefined;
  /** Numerical value (with implicit precision) */
  value?: number | null | undefined;
};

/** Base StructureDefinition for Range Type: A set of ordered Quantities defined by a low and high limit. */
export type RangeCreate = {
  _id?: ElementCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** High limit */
  high?: QuantityCreate | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Low limit */
  low?: QuantityCreate | null | undefined;
};

/** Base StructureDefinition for Ratio Type: A relationship of two Quantity values - expressed as a numerator and a denominator. */
export type RatioCreate = {
  _id?: ElementCreate | null | undefined;
  /** Denominator value */
  denominator?: QuantityCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Numerator value */
  numerator?: QuantityCreate | null | undefined;
};

/** Base StructureDefinition for Reference Type: A reference from one resource to another. */
export type ReferenceCreate = {
  _display?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _reference?: ElementCreate | null | undefined;
  _type?: ElementCreate | null | undefined;
  /** Text alternative for the resource */
  display?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Logical reference, when literal reference is not known */
  identifier?: IdentifierCreate | null | undefined;
  /** Literal reference, Relative, internal or absolute URL */
  reference?: string | null | undefined;
  /** Type the reference refers to (e.g. "Patient") */
  type?: string | null | undefined;
};

/** Base StructureDefinition for RelatedArtifact Type: Related artifacts such as additional documentation, justification, or bibliographic references. */
export type RelatedArtifactCreate = {
  _citation?: ElementCreate | null | undefined;
  _display?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _label?: ElementCreate | null | undefined;
  _resource?: ElementCreate | null | undefined;
  _type?: ElementCreate | null | undefined;
  _url?: ElementCreate | null | undefined;
  /** Bibliographic citation for the artifact */
  citation?: string | null | undefined;
  /** Brief description of the related artifact */
  display?: string | null | undefined;
  /** What document is being referenced */
  document?: AttachmentCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Short label */
  label?: string | null | undefined;
  /** What resource is being referenced */
  resource?: string | null | undefined;
  /** documentation | justification | citation | predecessor | successor | derived-from | depends-on | composed-of */
  type?: string | null | undefined;
  /** Where the artifact can be accessed */
  url?: string | null | undefined;
};

/** Base StructureDefinition for SampledData Type: A series of measurements taken by a device, with upper and lower limits. */
export type SampledDataCreate = {
  _data?: ElementCreate | null | undefined;
  _dimensions?: ElementCreate | null | undefined;
  _factor?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _lowerLimit?: ElementCreate | null | undefined;
  _period?: ElementCreate | null | undefined;
  _upperLimit?: ElementCreate | null | undefined;
  /** Decimal values with spaces, or "E" | "U" | "L" */
  data?: string | null | undefined;
  /** Number of sample points at each time point */
  dimensions?: number | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Multiply data by this before adding to origin */
  factor?: number | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Lower limit of detection */
  lowerLimit?: number | null | undefined;
  /** Zero value and units */
  origin?: QuantityCreate | null | undefined;
  /** Number of milliseconds between samples */
  period?: number | null | undefined;
  /** Upper limit of detection */
  upperLimit?: number | null | undefined;
};

/** Base StructureDefinition for Signature Type: A signature along with supporting context. */
export type SignatureCreate = {
  _data?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _sigFormat?: ElementCreate | null | undefined;
  _targetFormat?: ElementCreate | null | undefined;
  _when?: ElementCreate | null | undefined;
  /** The actual signature content (XML DigSig. JWS, picture, etc.) */
  data?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** The party represented */
  onBehalfOf?: ReferenceCreate | null | undefined;
  /** The technical format of the signature */
  sigFormat?: string | null | undefined;
  /** The technical format of the signed resources */
  targetFormat?: string | null | undefined;
  /** Indication of the reason the entity signed the object(s) */
  type?: Array<CodingCreate | null | undefined> | null | undefined;
  /** When the signature was created */
  when?: string | null | undefined;
  /** Who signed */
  who?: ReferenceCreate | null | undefined;
};

/** Base StructureDefinition for Timing Type: Specifies an event that may occur multiple times. */
export type TimingCreate = {
  _event?: Array<ElementCreate | null | undefined> | null | undefined;
  _id?: ElementCreate | null | undefined;
  /** BID | TID | QID | AM | PM | QD | QOD | + */
  code?: CodeableConceptCreate | null | undefined;
  /** When the event occurs */
  event?: Array<string | null | undefined> | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Extensions that cannot be ignored even if unrecognized */
  modifierExtension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** When the event is to occur */
  repeat?: TimingRepeatCreate | null | undefined;
};

/** When the event is to occur */
export type TimingRepeatCreate = {
  _count?: ElementCreate | null | undefined;
  _countMax?: ElementCreate | null | undefined;
  _dayOfWeek?: Array<ElementCreate | null | undefined> | null | undefined;
  _duration?: ElementCreate | null | undefined;
  _durationMax?: ElementCreate | null | undefined;
  _durationUnit?: ElementCreate | null | undefined;
  _frequency?: ElementCreate | null | undefined;
  _frequencyMax?: ElementCreate | null | undefined;
  _id?: ElementCreate | null | undefined;
  _offset?: ElementCreate | null | undefined;
  _period?: ElementCreate | null | undefined;
  _periodMax?: ElementCreate | null | undefined;
  _periodUnit?: ElementCreate | null | undefined;
  _timeOfDay?: Array<ElementCreate | null | undefined> | null | undefined;
  _when?: Array<ElementCreate | null | undefined> | null | undefined;
  /** Length/Range of lengths, or (Start and/or end) limits */
  boundsDuration?: DurationCreate | null | undefined;
  /** Length/Range of lengths, or (Start and/or end) limits */
  boundsPeriod?: PeriodCreate | null | undefined;
  /** Length/Range of lengths, or (Start and/or end) limits */
  boundsRange?: RangeCreate | null | undefined;
  /** Number of times to repeat */
  count?: number | null | undefined;
  /** Maximum number of times to repeat */
  countMax?: number | null | undefined;
  /** mon | tue | wed | thu | fri | sat | sun */
  dayOfWeek?: Array<string | null | undefined> | null | undefined;
  /** How long when it happens */
  duration?: number | null | undefined;
  /** How long when it happens (Max) */
  durationMax?: number | null | undefined;
  /** s | min | h | d | wk | mo | a - unit of time (UCUM) */
  durationUnit?: string | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Event occurs frequency times per period */
  frequency?: number | null | undefined;
  /** Event occurs up to frequencyMax times per period */
  frequencyMax?: number | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Minutes from event (before or after) */
  offset?: number | null | undefined;
  /** Event occurs frequency times per period */
  period?: number | null | undefined;
  /** Upper limit of period (3-4 hours) */
  periodMax?: number | null | undefined;
  /** s | min | h | d | wk | mo | a - unit of time (UCUM) */
  periodUnit?: string | null | undefined;
  /** Time of day for action */
  timeOfDay?: Array<string | null | undefined> | null | undefined;
  /** Code for time period of occurrence */
  when?: Array<string | null | undefined> | null | undefined;
};

/** Base StructureDefinition for TriggerDefinition Type: A description of a triggering event. */
export type TriggerDefinitionCreate = {
  _id?: ElementCreate | null | undefined;
  _name?: ElementCreate | null | undefined;
  _timingDate?: ElementCreate | null | undefined;
  _timingDateTime?: ElementCreate | null | undefined;
  _type?: ElementCreate | null | undefined;
  /** Whether the event triggers (boolean expression) */
  condition?: ExpressionCreate | null | undefined;
  /** Triggering data of the event (multiple = 'and') */
  data?: Array<DataRequirementCreate | null | undefined> | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Name or URI that identifies the event */
  name?: string | null | undefined;
  /** Timing of the event */
  timingDate?: string | null | undefined;
  /** Timing of the event */
  timingDateTime?: string | null | undefined;
  /** Timing of the event */
  timingReference?: ReferenceCreate | null | undefined;
  /** Timing of the event */
  timingTiming?: TimingCreate | null | undefined;
  /** named-event | periodic | data-changed | data-added | data-modified | data-removed | data-accessed | data-access-ended */
  type?: string | null | undefined;
};

/** Base StructureDefinition for UsageContext Type: Specifies clinical/business/etc. */
export type UsageContextCreate = {
  _id?: ElementCreate | null | undefined;
  /** Type of context being specified */
  code?: CodingCreate | null | undefined;
  /** Additional content defined by implementations */
  extension?: Array<ExtensionCreate | null | undefined> | null | undefined;
  /** Unique id for inter-element referencing */
  id?: string | null | undefined;
  /** Value that defines the context */
  valueCodeableConcept?: CodeableConceptCreate | null | undefined;
  /** Value that defines the context */
  valueQuantity?: QuantityCreate | null | undefined;
  /** Value that defines the context */
  valueRange?: RangeCreate | null | undefined;
  /** Value that defines the context */
  valueReference?: ReferenceCreate | null | undefined;
};

export type CreateObservationMutationVariables = Exact<{
  res: ObservationCreate;
  sourceId?: string | null | undefined;
}>;


export type CreateObservationMutation = { ObservationCreate: { id: string | null, sourceId: string, status: string | null, code: { coding: Array<{ system: string | null, code: string | null } | null> | null } | null, valueQuantity: { value: number | null, unit: string | null } | null, subject: { reference: string | null, resource:
        | { id: string | null, name: Array<{ family: string | null } | null> | null }
        | Record<PropertyKey, never>
       | null } | null, meta: { versionId: string | null } | null } | null };

export type CreatePatientMutationVariables = Exact<{
  res: PatientCreate;
  ifNoneExist?: string | null | undefined;
  sourceId?: string | null | undefined;
}>;


export type CreatePatientMutation = { PatientCreate: { resourceType: string, id: string | null, sourceId: string, gender: string | null, birthDate: string | null, name: Array<{ family: string | null, given: Array<string | null> | null } | null> | null, identifier: Array<{ system: string | null, value: string | null } | null> | null, meta: { versionId: string | null, lastUpdated: string | null } | null } | null };

export type DeletePatientMutationVariables = Exact<{
  id: string | number;
  ifMatch?: string | null | undefined;
  sourceId?: string | null | undefined;
}>;


export type DeletePatientMutation = { PatientDelete: { resourceType: string, id: string, sourceId: string, outcome: { issue: Array<{ severity: string | null, code: string | null, diagnostics: string | null } | null> | null } | null } | null };

export type ObservationChangedSubscriptionVariables = Exact<{
  patient?: string | null | undefined;
  category?: string | null | undefined;
  since?: string | null | undefined;
}>;


export type ObservationChangedSubscription = { ObservationChanged: { eventNumber: string, action: string, sourceId: string, id: string, resource: { id: string | null, status: string | null, code: { text: string | null, coding: Array<{ system: string | null, code: string | null } | null> | null } | null, valueQuantity: { value: number | null, unit: string | null } | null, subject: { reference: string | null, resource:
          | { id: string | null, name: Array<{ family: string | null } | null> | null }
          | Record<PropertyKey, never>
         | null } | null } | null } };

export type PatientByIdQueryVariables = Exact<{
  id: string | number;
}>;


export type PatientByIdQuery = { Patient: { id: string | null, birthDate: string | null, name: Array<{ family: string | null, given: Array<string | null> | null } | null> | null } | null };

export type PatientConnectionPageQueryVariables = Exact<{
  cursor?: string | null | undefined;
}>;


export type PatientConnectionPageQuery = { PatientConnection: { count: number | null, next: string | null, edges: Array<{ resource: { id: string | null } | null } | null> | null } | null };

export type PatientFlattenedQueryVariables = Exact<{
  id: string | number;
}>;


export type PatientFlattenedQuery = { Patient: { active: boolean | null, identifier: Array<{ system: string | null, value: string | null } | null> | null, name: Array<{ given: Array<string | null> | null, family: string | null } | null> | null } | null };

export type PatientFocusFragment = { id: string | null, gender: string | null, name: Array<{ family: string | null, given: Array<string | null> | null } | null> | null, ObservationList: Array<{ id: string | null, status: string | null, subject: { reference: string | null } | null } | null> | null };

export type PatientFocusByIdQueryVariables = Exact<{
  id: string | number;
  obsCount?: number | null | undefined;
}>;


export type PatientFocusByIdQuery = { Patient: { id: string | null, gender: string | null, name: Array<{ family: string | null, given: Array<string | null> | null } | null> | null, ObservationList: Array<{ id: string | null, status: string | null, subject: { reference: string | null } | null } | null> | null } | null };

export type PatientNamesByUseQueryVariables = Exact<{
  id: string | number;
}>;


export type PatientNamesByUseQuery = { Patient: { id: string | null, name: Array<{ family: string | null, given: Array<string | null> | null } | null> | null } | null };

export type PatientNamesFilteredQueryVariables = Exact<{
  id: string | number;
  use: string;
  system: string;
}>;


export type PatientNamesFilteredQuery = { Patient: { id: string | null, name: Array<{ family: string | null, given: Array<string | null> | null } | null> | null, phones: Array<{ value: string | null, use: string | null } | null> | null, identifier: Array<{ value: string | null } | null> | null } | null };

export type PatientPageQueryVariables = Exact<{
  count?: number | null | undefined;
}>;


export type PatientPageQuery = { PatientList: Array<{ id: string | null } | null> | null };

export type PatientSearchPageQueryVariables = Exact<{
  identifier?: string | null | undefined;
  count?: number | null | undefined;
  cursor?: string | null | undefined;
}>;


export type PatientSearchPageQuery = { PatientConnection: { count: number | null, offset: number | null, pageSize: number | null, first: string | null, previous: string | null, next: string | null, last: string | null, edges: Array<{ mode: string | null, resource: { id: string | null, identifier: Array<{ system: string | null, value: string | null } | null> | null } | null } | null> | null } | null };

export type PatientWithObservationsQueryVariables = Exact<{
  id: string | number;
}>;


export type PatientWithObservationsQuery = { Patient: { id: string | null, ObservationList: Array<{ id: string | null, valueQuantity: { value: number | null, unit: string | null } | null, code: { coding: Array<{ code: string | null } | null> | null } | null } | null> | null } | null };

export type PatientsWithCareTeamQueryVariables = Exact<{ [key: string]: never; }>;


export type PatientsWithCareTeamQuery = { PatientList: Array<{ id: string | null, generalPractitioner: Array<{ resource:
        | { name: Array<{ family: string | null } | null> | null }
        | Record<PropertyKey, never>
       | null } | null> | null, managingOrganization: { resource:
        | { name: string | null }
        | Record<PropertyKey, never>
       | null } | null } | null> | null };

export type UpdatePatientMutationVariables = Exact<{
  id: string | number;
  res: PatientCreate;
  ifMatch?: string | null | undefined;
  sourceId?: string | null | undefined;
}>;


export type UpdatePatientMutation = { PatientUpdate: { id: string | null, sourceId: string, gender: string | null, name: Array<{ family: string | null, given: Array<string | null> | null } | null> | null, meta: { versionId: string | null } | null } | null };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const PatientFocusFragmentDoc = new TypedDocumentString(`
    fragment PatientFocus on Patient {
  id
  gender
  name {
    family
    given
  }
  ObservationList(_reference: subject, _count: $obsCount) {
    id
    status
    subject {
      reference
    }
  }
}
    `, {"fragmentName":"PatientFocus"}) as unknown as TypedDocumentString<PatientFocusFragment, unknown>;
export const CreateObservationDocument = new TypedDocumentString(`
    mutation CreateObservation($res: ObservationCreate!, $sourceId: String) {
  ObservationCreate(res: $res, sourceId: $sourceId) {
    id
    sourceId
    status
    code {
      coding {
        system
        code
      }
    }
    valueQuantity {
      value
      unit
    }
    subject {
      reference
      resource {
        ... on Patient {
          id
          name {
            family
          }
        }
      }
    }
    meta {
      versionId
    }
  }
}
    `) as unknown as TypedDocumentString<CreateObservationMutation, CreateObservationMutationVariables>;
export const CreatePatientDocument = new TypedDocumentString(`
    mutation CreatePatient($res: PatientCreate!, $ifNoneExist: String, $sourceId: String) {
  PatientCreate(res: $res, ifNoneExist: $ifNoneExist, sourceId: $sourceId) {
    resourceType
    id
    sourceId
    gender
    birthDate
    name {
      family
      given
    }
    identifier {
      system
      value
    }
    meta {
      versionId
      lastUpdated
    }
  }
}
    `) as unknown as TypedDocumentString<CreatePatientMutation, CreatePatientMutationVariables>;
export const DeletePatientDocument = new TypedDocumentString(`
    mutation DeletePatient($id: ID!, $ifMatch: String, $sourceId: String) {
  PatientDelete(id: $id, ifMatch: $ifMatch, sourceId: $sourceId) {
    resourceType
    id
    sourceId
    outcome {
      issue {
        severity
        code
        diagnostics
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DeletePatientMutation, DeletePatientMutationVariables>;
export const ObservationChangedDocument = new TypedDocumentString(`
    subscription ObservationChanged($patient: String, $category: String, $since: String) {
  ObservationChanged(patient: $patient, category: $category, _since: $since) {
    eventNumber
    action
    sourceId
    id
    resource {
      id
      status
      code {
        text
        coding {
          system
          code
        }
      }
      valueQuantity {
        value
        unit
      }
      subject {
        reference
        resource {
          ... on Patient {
            id
            name {
              family
            }
          }
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<ObservationChangedSubscription, ObservationChangedSubscriptionVariables>;
export const PatientByIdDocument = new TypedDocumentString(`
    query PatientById($id: ID!) {
  Patient(id: $id) {
    id
    name {
      family
      given
    }
    birthDate
  }
}
    `) as unknown as TypedDocumentString<PatientByIdQuery, PatientByIdQueryVariables>;
export const PatientConnectionPageDocument = new TypedDocumentString(`
    query PatientConnectionPage($cursor: String) {
  PatientConnection(_count: 10, _cursor: $cursor) {
    count
    next
    edges {
      resource {
        id
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PatientConnectionPageQuery, PatientConnectionPageQueryVariables>;
export const PatientFlattenedDocument = new TypedDocumentString(`
    query PatientFlattened($id: ID!) {
  Patient(id: $id) {
    identifier @flatten {
      system @singleton
      value @singleton
    }
    active
    name @flatten @first {
      given
      family @singleton
    }
  }
}
    `) as unknown as TypedDocumentString<PatientFlattenedQuery, PatientFlattenedQueryVariables>;
export const PatientFocusByIdDocument = new TypedDocumentString(`
    query PatientFocusById($id: ID!, $obsCount: Int) {
  Patient(id: $id) {
    ...PatientFocus
  }
}
    fragment PatientFocus on Patient {
  id
  gender
  name {
    family
    given
  }
  ObservationList(_reference: subject, _count: $obsCount) {
    id
    status
    subject {
      reference
    }
  }
}`) as unknown as TypedDocumentString<PatientFocusByIdQuery, PatientFocusByIdQueryVariables>;
export const PatientNamesByUseDocument = new TypedDocumentString(`
    query PatientNamesByUse($id: ID!) {
  Patient(id: $id) {
    id
    name @slice(path: "use") @singleton {
      family
      given @first
    }
  }
}
    `) as unknown as TypedDocumentString<PatientNamesByUseQuery, PatientNamesByUseQueryVariables>;
export const PatientNamesFilteredDocument = new TypedDocumentString(`
    query PatientNamesFiltered($id: ID!, $use: code!, $system: String!) {
  Patient(id: $id) {
    id
    name(use: $use) {
      family
      given
    }
    phones: telecom(system: phone) {
      value
      use
    }
    identifier(system: $system) {
      value
    }
  }
}
    `) as unknown as TypedDocumentString<PatientNamesFilteredQuery, PatientNamesFilteredQueryVariables>;
export const PatientPageDocument = new TypedDocumentString(`
    query PatientPage($count: Int) {
  PatientList(_count: $count) {
    id
  }
}
    `) as unknown as TypedDocumentString<PatientPageQuery, PatientPageQueryVariables>;
export const PatientSearchPageDocument = new TypedDocumentString(`
    query PatientSearchPage($identifier: String, $count: Int, $cursor: String) {
  PatientConnection(identifier: $identifier, _count: $count, _cursor: $cursor) {
    count
    offset
    pageSize
    first
    previous
    next
    last
    edges {
      mode
      resource {
        id
        identifier {
          system
          value
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PatientSearchPageQuery, PatientSearchPageQueryVariables>;
export const PatientWithObservationsDocument = new TypedDocumentString(`
    query PatientWithObservations($id: ID!) {
  Patient(id: $id) {
    id
    ObservationList(_reference: subject, _count: 100) {
      id
      valueQuantity {
        value
        unit
      }
      code {
        coding {
          code
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PatientWithObservationsQuery, PatientWithObservationsQueryVariables>;
export const PatientsWithCareTeamDocument = new TypedDocumentString(`
    query PatientsWithCareTeam {
  PatientList(_count: 20) {
    id
    generalPractitioner {
      resource {
        ... on Practitioner {
          name {
            family
          }
        }
      }
    }
    managingOrganization {
      resource {
        ... on Organization {
          name
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<PatientsWithCareTeamQuery, PatientsWithCareTeamQueryVariables>;
export const UpdatePatientDocument = new TypedDocumentString(`
    mutation UpdatePatient($id: ID!, $res: PatientCreate!, $ifMatch: String, $sourceId: String) {
  PatientUpdate(id: $id, res: $res, ifMatch: $ifMatch, sourceId: $sourceId) {
    id
    sourceId
    gender
    name {
      family
      given
    }
    meta {
      versionId
    }
  }
}
    `) as unknown as TypedDocumentString<UpdatePatientMutation, UpdatePatientMutationVariables>;