// A contract for a booking, drafted from a template and signed by every required signer, through the API.
import { expect } from 'vitest'
import type { TestApp } from './app.ts'
import type { Session } from './auth-stand-in.ts'

const BODY = `PERFORMANCE AGREEMENT
{{agency.name}}, for {{artist.name}}, and {{promoter.name}}: {{venue.name}}, {{event.date}}, a {{deal.type}} fee of {{deal.fee}}.`

export const SIGNERS = [
  { role: 'buyer', side: 'promoter', name: 'Pat Promoter' },
  { role: 'agency_countersign', side: 'agency', name: 'Agency countersign' },
]

/** Drafts a contract for the booking and sends it; with `sign`, both sides sign it (status `signed`). */
export async function contractFor(app: TestApp, agency: Session, promoter: Session, bookingId: string, sign = true) {
  const template = await app.rest('POST', '/api/v1/contract-templates', { as: agency, body: { name: 'Show', body: BODY } })
  expect(template.status, JSON.stringify(template.body)).toBe(201)
  const drafted = await app.rest('POST', '/api/v1/contracts', {
    as: agency,
    body: {
      templateId: template.body.data.id,
      bookingId,
      values: [{ field: 'promoter.name', value: 'Live Iberia SL' }],
      signers: SIGNERS,
    },
  })
  expect(drafted.status, JSON.stringify(drafted.body)).toBe(201)
  const contract = drafted.body.data
  const sent = await app.rest('POST', `/api/v1/contracts/${contract.id}/send`, { as: agency })
  expect(sent.status, JSON.stringify(sent.body)).toBe(200)
  if (sign) {
    for (const [i, as] of [promoter, agency].entries()) {
      const signed = await app.rest('POST', `/api/v1/contracts/${contract.id}/sign`, {
        as,
        body: { signerId: contract.signers[i].id, contentHash: contract.current.contentHash },
      })
      expect(signed.status, JSON.stringify(signed.body)).toBe(200)
    }
  }
  return (await app.rest('GET', `/api/v1/contracts/${contract.id}`, { as: agency })).body.data as {
    id: string
    status: string
    current: { contentHash: string; version: number }
  }
}
