/**
 * @module core/policy/dated-rules
 * Deadlines, penalty amounts and proposed rules as dated data (dated-rules.json): each value with its
 * source and the date it took effect, looked up for a given day. Nothing here is a buried constant.
 */
import DATA from "./dated-rules.json" with { type: "json" };

export type DeadlineId = keyof typeof DATA.deadlines;

export interface Deadline {
  readonly days?: number;
  readonly daysAfterYearEnd?: number;
  readonly maxExtensions?: number;
  readonly threshold?: number;
  readonly citation: string;
  readonly effective: string;
  readonly source: string;
}

export interface PenaltyTier {
  readonly tier: number;
  readonly culpability: string;
  readonly minPerViolation: number;
  readonly maxPerViolation: number;
  readonly annualCap: number;
  readonly discretionCap2019: number;
}

export interface PenaltyTable {
  readonly effective: string;
  readonly source: string;
  readonly tiers: readonly PenaltyTier[];
}

export function deadline(id: DeadlineId): Deadline {
  return DATA.deadlines[id];
}

/** `days` calendar days after `from` (ISO), as an ISO time. */
export function addDays(from: string, days: number): string {
  return new Date(Date.parse(from) + days * 86_400_000).toISOString();
}

/** `minutes` after `from` (ISO), as an ISO time. */
export function addMinutes(from: string, minutes: number): string {
  return new Date(Date.parse(from) + minutes * 60_000).toISOString();
}

/** A dated arrangement (an agreement) in force at `now`: effective, not ended, not terminated. */
export function inForceAt(period: { readonly effectiveAt: string; readonly endsAt?: string | null; readonly terminatedAt?: string | null }, now: string): boolean {
  const t = Date.parse(now);
  const before = (end: string | null | undefined): boolean => end === undefined || end === null || t < Date.parse(end);
  return Date.parse(period.effectiveAt) <= t && before(period.endsAt) && before(period.terminatedAt);
}

/** The civil penalty table in effect on `date` (the newest whose effective date is not after it). */
export function penaltiesOn(date: string): PenaltyTable | undefined {
  return [...DATA.penalties].sort((a, b) => b.effective.localeCompare(a.effective)).find((t) => t.effective <= date.slice(0, 10));
}

export const CRIMINAL_PENALTIES = DATA.criminal;
export const PROPOSED_RULES: ReadonlyArray<{ readonly id: string; readonly status: string; readonly citation: string; readonly published: string; readonly summary: string }> = DATA.proposed;
