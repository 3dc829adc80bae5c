// The dashboard as REST answers it to a session (a refusal fails the test with the answer's body).
import { expect } from 'vitest'
import type { TestApp } from './app.ts'
import type { Session } from './auth-stand-in.ts'

export async function dashboardOf(app: TestApp, as: Session) {
  const r = await app.rest('GET', '/api/v1/dashboard', { as })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body.data
}
