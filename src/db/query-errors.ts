import { QueryError, type QueryResponse } from 'surrealdb'

function isKnockOn (error: Error): boolean {
  return error instanceof QueryError && (error.isNotExecuted || error.isCancelled)
}

/**
 * The error worth reporting from a failed statement list. In a transaction
 * every statement after (and before) the failing one reports "not executed";
 * the failing statement's own error says what went wrong.
 */
export function findStatementError (responses: QueryResponse[]): Error | undefined {
  const errors = responses.flatMap((response) => response.success ? [] : [response.error])
  return errors.find((error) => !isKnockOn(error)) ?? errors[0]
}
