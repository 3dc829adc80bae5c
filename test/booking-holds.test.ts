// Hold ranks that mean something, and hold challenges: only the first hold on overlapping dates confirms
// (409 hold_outranked otherwise); a lower hold challenges the holds above, which confirm or release by a
// deadline or are released — whoever reads or acts first, no cron — and the challenger moves up. Every
// step is in the activity log; a challenge race ends in one booking and a consistent log.
import { beforeAll, describe, expect, it } from 'vitest'
import { useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { nextSlot, pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'

const h = useHarness()
const HOUR = 3600_000
let agency: AgencySession
let first: Session
let second: Session
let third: Session

const { representedArtist, held } = pipelines(
  () => h.app,
  () => agency,
)

beforeAll(async () => {
  agency = await agencySession(h.auth, h.app.db)
  first = await h.auth.session(PROMOTER_ACCESS)
  second = await h.auth.session(PROMOTER_ACCESS)
  third = await h.auth.session(PROMOTER_ACCESS)
})

/** Three holds of one artist on one date, ranked 1, 2, 3, each of another promoter. */
async function threeHolds(when = nextSlot()) {
  const artistId = await representedArtist(agency)
  const holds = []
  for (const as of [first, second, third]) holds.push({ as, ...(await held(as, artistId, when)) })
  expect(holds.map((x) => x.hold.priority)).toEqual([1, 2, 3])
  return { artistId, holds }
}

const post = (path: string, as: Session, body: Record<string, unknown> = {}) => h.app.rest('POST', path, { as, body })
const challenge = (holdId: string, as: Session, body: Record<string, unknown> = {}) =>
  post(`/api/v1/booking-holds/${holdId}/challenge`, as, body)
const confirm = (holdId: string) => post(`/api/v1/booking-holds/${holdId}/confirm`, agency)
const holdRow = (id: string) => h.app.db.bookingHold.findUniqueOrThrow({ where: { id } })
const log = async (requestId: string) =>
  (await h.app.db.bookingActivity.findMany({ where: { requestId }, orderBy: { seq: 'asc' } })).map(
    (a) => `${a.subject}:${a.action}:${a.fromStatus ?? '-'}→${a.toStatus}`,
  )
/** Lets a challenge's deadline pass, as time would. */
const lapse = (holdIds: string[]) =>
  h.app.db.bookingHold.updateMany({ where: { id: { in: holdIds } }, data: { challengeDeadline: new Date(Date.now() - 1000) } })

describe('hold ranks', () => {
  it('refuses to confirm a hold that is not first (409 hold_outranked, nothing written) until the holds above are gone', async () => {
    const { holds } = await threeHolds()
    const [one, two] = holds
    const before = await log(two!.requestId)
    const refused = await confirm(two!.hold.id)
    expect([refused.status, refused.body.error.code]).toEqual([409, 'hold_outranked'])
    expect(await log(two!.requestId)).toEqual(before)
    expect(await h.app.db.booking.count({ where: { holdId: two!.hold.id } })).toBe(0)
    expect((await holdRow(two!.hold.id)).status).toBe('active')

    expect((await post(`/api/v1/booking-holds/${one!.hold.id}/release`, first)).status).toBe(200)
    expect((await holdRow(two!.hold.id)).priority).toBe(1)
    const confirmed = await confirm(two!.hold.id)
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(201)
    expect((await holdRow(holds[2]!.hold.id)).status).toBe('released')
  })

  it('answers hold_outranked on GraphQL too, with a null field', async () => {
    const { holds } = await threeHolds()
    const r = await h.app.graphql('mutation($id: ID!) { confirmHold(id: $id) { id } }', { id: holds[1]!.hold.id }, { as: agency })
    expect(r.data).toEqual({ confirmHold: null })
    expect(r.errors?.map((e) => [e.extensions?.code, e.extensions?.reason])).toEqual([['CONFLICT', 'hold_outranked']])
  })
})

describe('hold challenges', () => {
  it('gives every hold above a deadline (default 48 h, at most the event), logged on each pipeline; a confirmation answers it', async () => {
    const { holds } = await threeHolds()
    const [one, two, three] = holds
    const before = Date.now()
    const r = await challenge(three!.hold.id, third)
    expect(r.status, JSON.stringify(r.body)).toBe(200)
    expect(r.body.data).toMatchObject({ id: three!.hold.id, status: 'active', priority: 3, challengeDeadline: null })
    for (const above of [one!, two!]) {
      const row = await holdRow(above.hold.id)
      expect(row.challengedByHoldId).toBe(three!.hold.id)
      expect(row.challengeDeadline!.getTime()).toBeGreaterThanOrEqual(before + 48 * HOUR)
      expect(row.challengeDeadline!.getTime()).toBeLessThanOrEqual(Date.now() + 48 * HOUR)
      expect((await log(above.requestId)).at(-1)).toBe('hold:challenged:active→active')
    }
    expect((await log(three!.requestId)).at(-1)).toBe('hold:challenge:active→active')
    // The challenged side reads its deadline; the challenger's identity stays in its own pipeline.
    const seen = await h.app.rest('GET', `/api/v1/booking-holds/${one!.hold.id}`, { as: first })
    expect(seen.body.data.challengeDeadline).toBe((await holdRow(one!.hold.id)).challengeDeadline!.toISOString())
    expect(seen.body.data.challengedByHoldId).toBeNull()
    const detail = await h.app.rest('GET', `/api/v1/booking-requests/${one!.requestId}`, { as: first })
    expect(detail.body.data.holds.map((x: { challengedByHoldId: string | null }) => x.challengedByHoldId)).toEqual([null])
    const offer = await h.app.rest('GET', `/api/v1/booking-offers/${one!.offerId}`, { as: first })
    expect(offer.body.data.holds.map((x: { challengedByHoldId: string | null }) => x.challengedByHoldId)).toEqual([null])
    // The artist side, which sees both pipelines, reads which hold challenged it.
    const agencys = await h.app.rest('GET', `/api/v1/booking-holds/${one!.hold.id}`, { as: agency })
    expect(agencys.body.data.challengedByHoldId).toBe(three!.hold.id)
    const activity = await h.app.rest('GET', `/api/v1/booking-requests/${one!.requestId}/activity`, { as: first })
    expect(activity.body.data.at(-1)).toMatchObject({ action: 'challenged', actorType: 'system', actorOrgId: null })

    // A second challenge finds every hold above already challenged.
    const again = await challenge(two!.hold.id, second)
    expect([again.status, again.body.error.code]).toEqual([409, 'challenge_pending'])
    // The first hold answers by confirming: the others are released as ever.
    const booked = await confirm(one!.hold.id)
    expect(booked.status).toBe(201)
    const booking = await h.app.rest('GET', `/api/v1/bookings/${booked.body.data.id}`, { as: first })
    expect(booking.body.data.hold).toMatchObject({ id: one!.hold.id, challengedByHoldId: null })
    expect((await holdRow(three!.hold.id)).status).toBe('released')
  })

  it('caps the deadline at the event and takes a shorter one', async () => {
    const soon = Date.now() + 20 * HOUR
    const when = { startsAt: new Date(soon).toISOString(), endsAt: new Date(soon + 2 * HOUR).toISOString() }
    const artistId = await representedArtist(agency)
    const one = await held(first, artistId, when)
    const two = await held(second, artistId, when)
    expect((await challenge(two.hold.id, second)).status).toBe(200)
    expect((await holdRow(one.hold.id)).challengeDeadline!.getTime()).toBe(soon)

    const later = await threeHolds()
    const r = await challenge(later.holds[1]!.hold.id, agency, { respondWithinHours: 6 })
    expect(r.status).toBe(200)
    const deadline = (await holdRow(later.holds[0]!.hold.id)).challengeDeadline!.getTime()
    expect(deadline).toBeLessThanOrEqual(Date.now() + 6 * HOUR)
    expect(deadline).toBeGreaterThan(Date.now() + 5 * HOUR)
  })

  it('releases the holds above when the deadline lapses, whoever reads first; the challenger moves up and confirms', async () => {
    const { holds } = await threeHolds()
    const [one, two, three] = holds
    expect((await challenge(three!.hold.id, third)).status).toBe(200)
    await lapse([one!.hold.id, two!.hold.id])
    // Effective at once: the challenger reads itself first and finds itself first.
    const mine = await h.app.rest('GET', `/api/v1/booking-holds/${three!.hold.id}`, { as: third })
    expect(mine.body.data.priority).toBe(1)
    for (const above of [one!, two!]) {
      const row = await holdRow(above.hold.id)
      expect(row.status).toBe('released')
      expect(row.releasedReason).toMatch(/challenged/)
      expect((await log(above.requestId)).slice(-3)).toEqual([
        'hold:challenged:active→active',
        'hold:release:active→released',
        'request:release:held→released',
      ])
    }
    expect((await log(three!.requestId)).slice(-3)).toEqual([
      'hold:challenge:active→active',
      'hold:move_up:active→active',
      'hold:move_up:active→active',
    ])
    // Written once: another read changes nothing.
    const count = await h.app.db.bookingActivity.count({ where: { requestId: { in: holds.map((x) => x.requestId) } } })
    await h.app.rest('GET', `/api/v1/booking-holds?artistId=${three!.hold.artistId}`, { as: first })
    expect(await h.app.db.bookingActivity.count({ where: { requestId: { in: holds.map((x) => x.requestId) } } })).toBe(count)
    expect((await confirm(three!.hold.id)).status).toBe(201)
  })

  it('applies a lapse on the challenger’s confirmation when nobody read in between', async () => {
    const { holds } = await threeHolds()
    const [one, two] = holds
    expect((await challenge(two!.hold.id, second)).status).toBe(200)
    await lapse([one!.hold.id])
    const confirmed = await confirm(two!.hold.id)
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(201)
    expect((await holdRow(one!.hold.id)).status).toBe('released')
    expect(await log(one!.requestId)).toContain('hold:release:active→released')
  })

  it('refuses what it cannot do: nothing above, another pipeline’s hold, a hold no longer active; a challenger that leaves voids its challenge', async () => {
    const { holds } = await threeHolds()
    const [one, two] = holds
    const top = await challenge(one!.hold.id, first)
    expect([top.status, top.body.error.code]).toEqual([409, 'nothing_to_challenge'])
    const stranger = await challenge(two!.hold.id, third)
    expect([stranger.status, stranger.body.error.code]).toEqual([404, 'not_found'])
    expect((await holdRow(one!.hold.id)).challengeDeadline).toBeNull()

    expect((await challenge(two!.hold.id, second)).status).toBe(200)
    expect((await post(`/api/v1/booking-holds/${two!.hold.id}/release`, second)).status).toBe(200)
    const answered = await holdRow(one!.hold.id)
    expect([answered.challengeDeadline, answered.challengedByHoldId]).toEqual([null, null])
    expect((await log(one!.requestId)).slice(-2)).toEqual(['hold:challenged:active→active', 'hold:challenge_void:active→active'])
    const released = await challenge(two!.hold.id, second)
    expect([released.status, released.body.error.code]).toEqual([409, 'invalid_transition'])
  })

  it('is a GraphQL mutation too', async () => {
    const { holds } = await threeHolds()
    const r = await h.app.graphql(
      'mutation($id: ID!) { challengeHold(id: $id, input: { respondWithinHours: 24 }) { id priority status } }',
      { id: holds[1]!.hold.id },
      { as: second },
    )
    expect(r.errors).toBeUndefined()
    expect(r.data.challengeHold).toEqual({ id: holds[1]!.hold.id, priority: 2, status: 'ACTIVE' })
    const above = await h.app.graphql(
      'query($id: ID!) { bookingHold(id: $id) { challengeDeadline } }',
      { id: holds[0]!.hold.id },
      { as: first },
    )
    expect(Date.parse(above.data.bookingHold.challengeDeadline)).toBeLessThanOrEqual(Date.now() + 24 * HOUR)
  })

  it('settles two lower holds challenging at once while the first confirms: one booking and a consistent log', async () => {
    for (let round = 0; round < 6; round++) {
      const { artistId, holds } = await threeHolds()
      const [one, two, three] = holds
      const [c2, c3, booked] = await Promise.all([challenge(two!.hold.id, second), challenge(three!.hold.id, third), confirm(one!.hold.id)])
      expect(booked.status, JSON.stringify(booked.body)).toBe(201)
      for (const c of [c2, c3]) {
        expect([200, 409], JSON.stringify(c.body)).toContain(c.status)
        if (c.status === 409) expect(['invalid_transition', 'challenge_pending']).toContain(c.body.error.code)
      }
      expect(await h.app.db.booking.count({ where: { artistId } })).toBe(1)
      const rows = await h.app.db.bookingHold.findMany({ where: { artistId } })
      const status = (id: string) => rows.find((r) => r.id === id)!.status
      expect([status(one!.hold.id), status(two!.hold.id), status(three!.hold.id)]).toEqual(['confirmed', 'released', 'released'])

      // The log tells the same story as the answers and the rows.
      for (const [c, x] of [
        [c2, two!],
        [c3, three!],
      ] as const) {
        const entries = await log(x.requestId)
        expect(entries.filter((e) => e === 'hold:challenge:active→active')).toHaveLength(c.status === 200 ? 1 : 0)
        expect(entries.slice(-2)).toEqual(['hold:release:active→released', 'request:release:held→released'])
      }
      const challenged = await h.app.db.bookingActivity.findMany({
        where: { requestId: { in: holds.map((x) => x.requestId) }, action: 'challenged' },
      })
      const marked = rows.filter((r) => r.challengedByHoldId !== null)
      expect(challenged.map((a) => a.subjectId).sort()).toEqual(marked.map((r) => r.id).sort())
      const challengers = new Set(marked.map((r) => r.challengedByHoldId))
      expect(challengers.size).toBeLessThanOrEqual([c2, c3].filter((c) => c.status === 200).length)
      for (const id of challengers) expect([two!.hold.id, three!.hold.id]).toContain(id)
      expect(await log(one!.requestId)).toContain('booking:confirm:-→confirmed')
    }
  })
})
