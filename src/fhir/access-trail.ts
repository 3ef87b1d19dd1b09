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

  #listener: ((delta: AccessTrail) => void) | undefined;
  #delta: AccessTrail | undefined;

  /**
   * From now on, what is recorded goes to `listener` as it happens (a new trail per tick) instead of accumulating: a
   * long-lived answer — a subscription's stream — is audited event by event, not when it ends.
   */
  follow(listener: (delta: AccessTrail) => void): void {
    this.#listener = listener;
  }

  #live(): AccessTrail | undefined {
    if (this.#listener === undefined) return undefined;
    if (this.#delta === undefined) {
      this.#delta = new AccessTrail();
      queueMicrotask(() => {
        const delta = this.#delta!;
        this.#delta = undefined;
        this.#listener!(delta);
      });
    }
    return this.#delta;
  }

  record(action: AccessAction, resources: readonly (FhirResource | null | undefined)[], sourceId?: string): void {
    const live = this.#live();
    if (live !== undefined) return live.record(action, resources, sourceId);
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

  /**
   * What was recorded since the last take(), moved to a trail of its own (this one starts empty again, its cap too):
   * a long-lived operation audited result by result keeps nothing it has audited.
   */
  take(): AccessTrail {
    const taken = new AccessTrail();
    taken.accesses.push(...this.accesses.splice(0));
    taken.denials.push(...this.denials.splice(0));
    taken.recorded = this.recorded;
    taken.dropped = this.dropped;
    this.recorded = 0;
    this.dropped = 0;
    return taken;
  }

  deny(resourceType: string, interaction: string): void {
    const live = this.#live();
    if (live !== undefined) return live.deny(resourceType, interaction);
    if (this.denials.length < 100) this.denials.push({ resourceType, interaction });
  }
}
