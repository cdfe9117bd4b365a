/** Pence as pounds for people, such as `£1,234.50`, computed in whole numbers so nothing is rounded. */
export function formatPounds(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const absolute = Math.abs(pence);
  const pounds = Math.floor(absolute / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}£${pounds}.${String(absolute % 100).padStart(2, '0')}`;
}

/** Pence as pounds for a CSV file or a form field: `1234.50`. */
export function formatDecimalPounds(pence: number): string {
  const sign = pence < 0 ? '-' : '';
  const absolute = Math.abs(pence);
  return `${sign}${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')}`;
}

/** Reads an amount typed in pounds, such as `12`, `12.5` or `£1,012.50`, as pence; undefined if it is not one. */
export function parsePounds(text: string): number | undefined {
  const match = /^£?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const pounds = Number((match[1] as string).replaceAll(',', ''));
  const pence = Number((match[2] ?? '0').padEnd(2, '0'));
  const total = pounds * 100 + pence;
  return Number.isSafeInteger(total) ? total : undefined;
}
