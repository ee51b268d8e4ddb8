import { DateTime, RecordId } from 'surrealdb'

// SurrealDB datetimes carry nanoseconds, which JSON Schema's date-time
// format (and most clients) do not accept; milliseconds are kept.
export function toIsoString (value: unknown): string {
  if (value instanceof DateTime) return value.toDate().toISOString()
  if (value instanceof Date) return value.toISOString()
  return String(value)
}

/** The id part of a record id, as the API shows it. */
export function toIdString (value: unknown): string {
  if (value instanceof RecordId) return String(value.id)
  return String(value)
}
