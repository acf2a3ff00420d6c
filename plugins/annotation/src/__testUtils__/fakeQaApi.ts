/*
 * The QA side of the in-memory Chorus API for the page tests, following
 * the backend's rules (QualityStore): one analyst's live claim comes back
 * from `next`, others get the oldest open escalation no one holds live, a
 * decision needs the live claim, the same decision again is a replay and
 * another one a 409.
 */
import {
  EscalationRecord,
  EscalationReason,
  QaAnswer,
  QaClaimResponse,
  QaQueue,
} from '@chorus/plugin-annotation-common';
import { AnnotationApi } from '../api';
import { responseError } from './fakeAnnotationApi';

/** An escalated item with all a claim shows. */
export interface FakeEscalation {
  escalation: EscalationRecord;
  item: QaClaimResponse['item'];
  answers: QaAnswer[];
  outcome?: QaClaimResponse['outcome'];
}

const lowAgreement: EscalationReason = {
  code: 'low-agreement',
  question: 'belongs',
  measure: 'percent',
  value: 0.33,
  threshold: 0.6,
};

/** `n` escalated tracks, oldest first, each answered yes, no and no. */
export function trackEscalations(n: number): FakeEscalation[] {
  return Array.from({ length: n }, (_, i) => {
    const id = String(i + 1);
    const at = new Date(Date.UTC(2025, 0, 2, 9, i)).toISOString();
    return {
      escalation: {
        id: `e${id}`,
        projectId: 'p-track',
        itemId: id,
        externalId: `track-${id.padStart(4, '0')}`,
        reasons: [lowAgreement],
        createdAt: at,
      },
      item: {
        id,
        externalId: `track-${id.padStart(4, '0')}`,
        data: {
          track_title: `Disputed song ${id}`,
          track_artist: 'Velvet Static',
        },
      },
      answers: [
        ['user:default/amara.okafor', 'yes', 4200],
        ['user:default/bo.lindqvist', 'no', 61_000],
        ['user:default/carlos.mendes', 'no', 9000],
      ].map(([annotator, belongs, ms]) => ({
        annotator: annotator as string,
        answer: { belongs },
        configVersion: 1,
        timeSpentMs: ms as number,
        createdAt: at,
        updatedAt: at,
      })),
      outcome: {
        status: 'escalated',
        agreement: { belongs: { value: 0.33 } },
        answer: { belongs: 'no' },
        method: 'majority',
        confidence: 0.67,
      },
    };
  });
}

type QaMethods = Pick<
  jest.Mocked<AnnotationApi>,
  | 'listQaQueues'
  | 'listEscalations'
  | 'nextEscalation'
  | 'resolveEscalation'
  | 'sendBackEscalation'
  | 'extendEscalationClaim'
  | 'releaseEscalationClaim'
>;

export interface FakeQa {
  methods: QaMethods;
  escalations: FakeEscalation[];
  /** Decisions made, in order. */
  decisions: Array<{
    escalationId: string;
    resolution: 'resolved' | 'sent-back';
    answer?: Record<string, unknown>;
    note?: string;
  }>;
  /** Makes a claim expire now. */
  expireClaim(token: string): void;
}

const ME = 'user:default/grace.liu';

export function fakeQa(
  options: {
    escalations?: FakeEscalation[];
    qaQueues?: QaQueue[];
    ttlMs?: number;
    annotatorsShown?: boolean;
  } = {},
): FakeQa {
  const escalations = options.escalations ?? [];
  const ttlMs = options.ttlMs ?? 600_000;
  const decisions: FakeQa['decisions'] = [];
  const claims = new Map<string, { id: string; expiresAt: number }>();
  let tokens = 0;

  const find = (id: string) => escalations.find(e => e.escalation.id === id)!;
  const liveClaimOn = (id: string) =>
    [...claims.entries()].find(
      ([, c]) => c.id === id && c.expiresAt > Date.now(),
    );
  const held = (token: string) => {
    const claim = claims.get(token);
    if (!claim) {
      throw responseError(404, `QA claim ${token} not found`);
    }
    return claim;
  };
  const decide = (
    token: string,
    resolution: 'resolved' | 'sent-back',
    result: { answer?: Record<string, unknown>; note?: string },
  ) => {
    const claim = held(token);
    const e = find(claim.id).escalation;
    if (e.resolution) {
      const same =
        e.resolution === resolution &&
        JSON.stringify(e.answer) === JSON.stringify(result.answer) &&
        e.note === result.note;
      if (!same) {
        throw responseError(
          409,
          `escalation ${e.id} was already ${e.resolution} by ${e.resolvedBy}; a decision is final`,
        );
      }
      return { escalation: { ...e }, replayed: true };
    }
    if (claim.expiresAt <= Date.now()) {
      throw responseError(
        409,
        `QA claim ${token} expired at ${new Date(
          claim.expiresAt,
        ).toISOString()}; claim the item again`,
      );
    }
    Object.assign(e, {
      resolution,
      resolvedAt: new Date().toISOString(),
      resolvedBy: ME,
      ...result,
    });
    delete e.claimedBy;
    delete e.claimExpiresAt;
    decisions.push({ escalationId: e.id, resolution, ...result });
    return { escalation: { ...e }, replayed: false };
  };

  const methods: QaMethods = {
    listQaQueues: jest.fn(async () => options.qaQueues ?? []),
    listEscalations: jest.fn(async (_id: string, query = {}) => {
      const status = query.status ?? 'open';
      const open = escalations.filter(e => !e.escalation.resolution);
      let items = escalations
        .map(e => e.escalation)
        .filter(e => {
          if (status === 'open') {
            return !e.resolution;
          }
          return status === 'all' || Boolean(e.resolution);
        });
      if (status !== 'open') {
        items = items.reverse();
      }
      return {
        items: items.map(e => ({ ...e })),
        open: open.length,
      };
    }),
    nextEscalation: jest.fn(async (_id: string) => {
      const mine = [...claims.entries()].find(
        ([, c]) =>
          c.expiresAt > Date.now() && !find(c.id).escalation.resolution,
      );
      let token: string;
      if (mine) {
        token = mine[0];
      } else {
        const free = escalations.find(
          e => !e.escalation.resolution && !liveClaimOn(e.escalation.id),
        );
        if (!free) {
          return undefined;
        }
        token = `qa-token-${++tokens}`;
        claims.set(token, {
          id: free.escalation.id,
          expiresAt: Date.now() + ttlMs,
        });
      }
      const claim = claims.get(token)!;
      const e = find(claim.id);
      const expiresAt = new Date(claim.expiresAt).toISOString();
      Object.assign(e.escalation, { claimedBy: ME, claimExpiresAt: expiresAt });
      const shown = options.annotatorsShown ?? true;
      return {
        token,
        expiresAt,
        configVersion: 1,
        escalation: { ...e.escalation },
        item: e.item,
        answers: e.answers.map((a, i) =>
          shown ? a : { ...a, annotator: `annotator ${i + 1}` },
        ),
        annotatorsShown: shown,
        ...(e.outcome ? { outcome: e.outcome } : {}),
      };
    }),
    resolveEscalation: jest.fn(async (_id: string, token: string, decision) =>
      decide(token, 'resolved', decision),
    ),
    sendBackEscalation: jest.fn(
      async (_id: string, token: string, guidance: string) =>
        decide(token, 'sent-back', { note: guidance }),
    ),
    extendEscalationClaim: jest.fn(async (_id: string, token: string) => {
      const claim = held(token);
      if (claim.expiresAt <= Date.now()) {
        throw responseError(409, `QA claim ${token} expired`);
      }
      claim.expiresAt = Date.now() + ttlMs;
      return { expiresAt: new Date(claim.expiresAt).toISOString() };
    }),
    releaseEscalationClaim: jest.fn(async (_id: string, token: string) => {
      const claim = held(token);
      claims.delete(token);
      const e = find(claim.id).escalation;
      delete e.claimedBy;
      delete e.claimExpiresAt;
    }),
  };

  return {
    methods,
    escalations,
    decisions,
    expireClaim(token) {
      const claim = claims.get(token);
      if (claim) {
        claim.expiresAt = Date.now() - 1;
      }
    },
  };
}
