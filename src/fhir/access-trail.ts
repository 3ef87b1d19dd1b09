import type { FhirResource } from '../sources/fhir-types.ts';

/** FHIR AuditEvent actions: Create, Read (read, search, history), Update, Delete, Execute (batch, transaction). */
export type AccessAction = 'C' | 'R' | 'U' | 'D' | 'E';

export interface Access {
  readonly action: AccessAction;
  readonly sourceId: string | undefined;
  readonly resources: readonly FhirResource[];
}

export interface Denial {
  readonly resourceType: string;
  readonly interaction: string;
}

/**
 * What one request touched, as the FHIR core saw it: every resource it returned or wrote (with the source) and every
 * access it refused. Transport-free; src/audit turns it into the audit trail (one event per patient) once the request
 * is answered. Bounded: a request that returns more resources than MAX_RECORDED keeps the first ones and a count.
 */
export class AccessTrail {
  static readonly MAX_RECORDED = 10_000;
  readonly accesses: Access[] = [];
  readonly denials: Denial[] = [];
  recorded = 0;
  dropped = 0;

  record(action: AccessAction, resources: readonly (FhirResource | null | undefined)[], sourceId?: string): void {
    const kept: FhirResource[] = [];
    for (const r of resources) {
      if (r === null || r === undefined || typeof r !== 'object' || typeof r.resourceType !== 'string') continue; // upstream garbage is no access
      if (this.recorded >= AccessTrail.MAX_RECORDED) {
        this.dropped++;
        continue;
      }
      this.recorded++;
      kept.push(r);
    }
    if (kept.length > 0) this.accesses.push({ action, sourceId, resources: kept });
  }

  deny(resourceType: string, interaction: string): void {
    if (this.denials.length < 100) this.denials.push({ resourceType, interaction });
  }
}
