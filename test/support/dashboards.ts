// The dashboard and the activity as REST answers them to a session (a refusal fails the test with the answer's body).
import { expect } from 'vitest'
import type { TestApp } from './app.ts'
import type { Session } from './auth-stand-in.ts'

export async function dashboardOf(app: TestApp, as: Session) {
  const r = await app.rest('GET', '/api/v1/dashboard', { as })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body.data
}

/** What a company's activity says of one subject, oldest first (REST). */
export async function activityAbout(app: TestApp, as: Session, subjectId: string) {
  const r = await app.rest('GET', '/api/v1/activity?first=100', { as })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return (r.body.data.items as { type: string; subjectId: string; payload: Record<string, unknown> }[])
    .filter((e) => e.subjectId === subjectId)
    .reverse()
}
