// The engagement table's words and numbers, kept apart from the screen so
// they are tested without a browser.

/** EngagementRow is one row of the engagement query. */
export interface EngagementRow {
  journey: string | null;
  campaignId: string | null;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  converted: number;
}

/** rowName names a row: its journey in words, or its campaign. */
export function rowName(r: EngagementRow): string {
  if (r.journey) {
    const words = r.journey.replace(/_/g, ' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
  }
  return `Campaign ${r.campaignId ?? '?'}`;
}

/**
 * rate is part of whole as a percentage with no decimals ("42 %"), or "–"
 * when there is nothing to divide by (no message delivered yet is not 0 %).
 */
export function rate(part: number, whole: number): string {
  if (whole <= 0) {
    return '–';
  }
  return `${Math.round((100 * part) / whole)} %`;
}

/** sinceValue is the since variable of a period in days (null: all time). */
export function sinceValue(days: number | null, now: Date): string | null {
  if (days === null) {
    return null;
  }
  return new Date(now.getTime() - days * 86_400_000).toISOString();
}
