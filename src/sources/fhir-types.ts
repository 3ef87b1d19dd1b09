/** The few FHIR shapes the gateway itself reads; everything else passes through untouched. */
export interface FhirResource {
  resourceType: string;
  id?: string;
  meta?: { versionId?: string; lastUpdated?: string; source?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface BundleLink {
  relation: string;
  url: string;
}

export interface BundleEntry {
  fullUrl?: string;
  resource?: FhirResource;
  search?: { mode?: 'match' | 'include' | 'outcome'; score?: number };
}

export interface Bundle extends FhirResource {
  resourceType: 'Bundle';
  type: string;
  total?: number;
  link?: BundleLink[];
  entry?: BundleEntry[];
}

export function isBundle(value: unknown): value is Bundle {
  return typeof value === 'object' && value !== null && (value as FhirResource).resourceType === 'Bundle';
}
