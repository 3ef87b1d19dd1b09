// A subscription over graphql-ws runs for hours: each result's accesses are audited once and then dropped from the
// operation's trail, so the trail neither grows with the deliveries nor reaches its cap (past which nothing would be
// recorded, and so nothing audited).
import { describe, expect, it } from 'vitest';
import type { NewAuditEvent } from '../../src/db/schema.ts';
import { AccessTrail } from '../../src/fhir/access-trail.ts';
import { trailOf } from '../../src/http/request-meta.ts';
import { wsAuditor } from '../../src/ws/ws-audit.ts';

const paths = (type: string) => (type === 'Observation' ? ['subject'] : undefined);

describe('auditing a long-lived WebSocket operation', () => {
  it('audits every delivery exactly once, past the trail\'s cap, keeping nothing audited', async () => {
    const written: NewAuditEvent[] = [];
    const writer = { write: async (events: readonly NewAuditEvent[]) => void written.push(...events), flush: async () => undefined, close: async () => undefined, pending: 0 };
    const auditor = wsAuditor({ writer, durability: 'batched', paths } as never, () => undefined);
    const request = new Request('http://127.0.0.1/graphql');
    const deliveries = AccessTrail.MAX_RECORDED + 50;
    for (let i = 0; i < deliveries; i++) {
      trailOf(request).record('R', [{ resourceType: 'Observation', id: `o${i}`, subject: { reference: 'Patient/p1' } }], 'hospital');
      expect(await auditor.delivered(request, '127.0.0.1')).toBe(true);
      expect(trailOf(request).accesses).toHaveLength(0);
    }
    expect(written).toHaveLength(deliveries);
    expect(written.every((e) => e.patient === 'Patient/p1')).toBe(true);
  });

  it('take() hands over what was recorded and starts again, cap included', () => {
    const trail = new AccessTrail();
    for (let i = 0; i < AccessTrail.MAX_RECORDED + 5; i++) trail.record('R', [{ resourceType: 'Patient', id: `p${i}` }], 's');
    const taken = trail.take();
    expect(taken.recorded).toBe(AccessTrail.MAX_RECORDED);
    expect(taken.dropped).toBe(5);
    trail.record('R', [{ resourceType: 'Patient', id: 'after' }], 's');
    expect(trail.accesses.map((a) => a.resources[0]!.id)).toEqual(['after']);
  });
});
