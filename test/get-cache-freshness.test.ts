// The GET cache never outlives a write that changes a cached answer: for each thing availability search and
// the marketplace read (windows, held days, booked days, fee guidance, representation, genres), a cached
// answer is a HIT before the write and the next read after it is a MISS with the new data. Twice: written
// through this replica (invalidated before the write answers) and through another replica that has no cache
// of its own (invalidated by this replica's JetStream consumer of the relayed outbox events). A bypass reads
// live and refreshes the entry for everyone. Uses the machine's NATS JetStream (NATS_TEST_URL) on a stream of
// its own, and a Redis it owns.
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INVALIDATOR_CONSUMER } from '../src/cache/invalidator.ts'
import { addDays, formatDay, today } from '../src/dates.ts'
import type { OutboxRelay } from '../src/modules/outbox/relay.ts'
import { startApp, type RestResult, type TestApp, useHarness } from './support/app.ts'
import type { Session } from './support/auth-stand-in.ts'
import { pipelines, type AgencySession } from './support/booking.ts'
import { agencySession, PROMOTER_ACCESS } from './support/fixtures.ts'
import { deleteStream, eventually, MACHINE_NATS, natsConnection, relayOptions, startRelay, uniqueStream } from './support/nats.ts'
import { type OwnedRedis, startRedis } from './support/redis.ts'

// h.app is the other replica: same database, no Redis, so it invalidates nothing itself.
const h = useHarness()
const stream = uniqueStream()
let nc: NatsConnection
let jsm: JetStreamManager
let relay: OutboxRelay
let redis: OwnedRedis
let cached: TestApp
let agency: AgencySession
let promoter: Session

beforeAll(async () => {
  try {
    nc = await natsConnection(MACHINE_NATS)
  } catch (e) {
    throw new Error(`NATS JetStream is not reachable at ${MACHINE_NATS} (set NATS_TEST_URL): ${(e as Error).message}`, { cause: e })
  }
  jsm = await jetstreamManager(nc)
  try {
    redis = await startRedis()
  } catch (e) {
    throw new Error(`could not start a redis-server of the test's own: ${(e as Error).message}`, { cause: e })
  }
  cached = await startApp({
    auth: h.auth,
    databaseUrl: h.database.url,
    env: { REDIS_URL: redis.url, NATS_URL: MACHINE_NATS, OUTBOX_STREAM: stream.stream, OUTBOX_SUBJECT_PREFIX: stream.subjectPrefix },
  })
  relay = startRelay(relayOptions(h.database.url, MACHINE_NATS, stream))
  await eventually(
    () => jsm.consumers.info(stream.stream, INVALIDATOR_CONSUMER).catch(() => undefined),
    20_000,
    'the cached replica to create its invalidation consumer (the relay creates the stream first)',
  )
  agency = await agencySession(h.auth, h.app.db)
  promoter = await h.auth.session(PROMOTER_ACCESS)
}, 60_000)

afterAll(async () => {
  await cached?.close()
  await relay?.stop()
  await redis?.stop()
  if (nc) {
    await deleteStream(nc, stream.stream)
    await nc.close()
  }
})

const cacheOf = (r: RestResult) => r.headers.get('x-cache')
const day = (offset: number) => formatDay(addDays(today(), offset))
/** A two-hour show on the evening of `offset` days from today (UTC). */
const showOn = (offset: number) => ({ startsAt: `${day(offset)}T20:00:00.000Z`, endsAt: `${day(offset)}T22:00:00.000Z` })
const WINDOW = { startsOn: day(30), endsOn: day(40), status: 'available' }

/**
 * Every event written so far is relayed and handled by the invalidator: an entry cached from now on can be
 * made stale only by what the test writes next.
 */
async function settled() {
  await eventually(
    async () => (await h.app.db.outboxEvent.count({ where: { publishedAt: null } })) === 0,
    20_000,
    'the relay to publish every event',
  )
  await eventually(
    async () => {
      const c = await jsm.consumers.info(stream.stream, INVALIDATOR_CONSUMER)
      return c.num_pending === 0 && c.num_ack_pending === 0
    },
    20_000,
    'the invalidator to handle every relayed event',
  )
}

async function read(url: string, as: Session = promoter) {
  const r = await cached.rest('GET', url, { as })
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r
}

/** Caches `urls` and checks that each is served from the cache: the answers before the write. */
async function warm(...urls: string[]) {
  await settled()
  const before = []
  for (const url of urls) {
    const first = await read(url)
    const second = await read(url)
    expect([cacheOf(first), cacheOf(second)]).toEqual(['MISS', 'HIT'])
    before.push(second.body.data)
  }
  return before
}

const searchUrl = (name: string, extra = '') =>
  `/api/v1/availability/search?from=${day(31)}&to=${day(36)}&q=${encodeURIComponent(name)}${extra}`
const marketUrl = (name: string, extra = '') => `/api/v1/marketplace/artists?q=${encodeURIComponent(name)}${extra}`
const newName = () => `Fresh ${randomUUID().slice(0, 8)}`

const writers = [
  {
    writer: 'this replica',
    app: () => cached,
    /** Invalidated before the write answered: the very next read is a miss. */
    fresh: async (url: string) => {
      const r = await read(url)
      expect(cacheOf(r)).toBe('MISS')
      return r.body.data
    },
  },
  {
    writer: 'another replica (through the JetStream invalidator)',
    app: () => h.app,
    /** Invalidated once the relay published the write's events and this replica's consumer handled them. */
    fresh: async (url: string) => (await waitForMiss(url)).body.data,
  },
] as const

async function waitForMiss(url: string): Promise<RestResult> {
  return eventually(
    async () => {
      const r = await read(url)
      return cacheOf(r) === 'MISS' ? r : undefined
    },
    20_000,
    `a miss on ${url} after the other replica's write`,
  )
}

describe.each(writers)('a write through $writer', ({ app, fresh }) => {
  const flow = pipelines(app, () => agency)
  const write = (method: string, path: string, body?: unknown, as: Session | 'machine' = agency) =>
    app()
      .rest(method, path, { as, body })
      .then((r) => {
        expect(r.status, JSON.stringify(r.body)).toBeLessThan(300)
        return r.body.data
      })
  const represented = async (name: string, window = true) => {
    const id = await flow.representedArtist(agency, name)
    if (window) await write('POST', `/api/v1/artists/${id}/availability`, WINDOW)
    return id
  }
  // Search hits are artists (id), marketplace hits rows of the read model (artistId).
  const hit = (data: { items: any[] }, id: string) => data.items.find((i) => (i.artistId ?? i.id) === id)

  it('of a window makes search and the marketplace fresh', async () => {
    const name = newName()
    const id = await represented(name, false)
    const [search, market] = await warm(searchUrl(name), marketUrl(name))
    expect(search.items).toEqual([])
    expect(hit(market, id)).toMatchObject({ availableDays: 0, nextAvailableOn: null })

    await write('POST', `/api/v1/artists/${id}/availability`, WINDOW)
    expect(hit(await fresh(searchUrl(name)), id)?.matchingAvailability).toHaveLength(1)
    expect(hit(await fresh(marketUrl(name)), id)).toMatchObject({ availableDays: 11, nextAvailableOn: day(30) })
  })

  it('of a hold makes the held day show in search', async () => {
    const name = newName()
    const id = await represented(name)
    const [before] = await warm(searchUrl(name))
    expect(hit(before, id)).toMatchObject({ heldOn: [], bookedOn: [] })

    await flow.held(promoter, id, showOn(33))
    expect(hit(await fresh(searchUrl(name)), id)).toMatchObject({ heldOn: [{ on: day(33), rank: 1 }], bookedOn: [] })
  })

  it('of a booking makes the booked day leave search and the marketplace', async () => {
    const name = newName()
    const id = await represented(name)
    const { hold } = await flow.held(promoter, id, showOn(33))
    const [search, market] = await warm(searchUrl(name), marketUrl(name))
    expect(hit(search, id)).toMatchObject({ bookedOn: [] })
    expect(hit(market, id)).toMatchObject({ availableDays: 11 })

    await write('POST', `/api/v1/booking-holds/${hold.id}/confirm`)
    expect(hit(await fresh(searchUrl(name)), id)).toMatchObject({ heldOn: [], bookedOn: [day(33)] })
    expect(hit(await fresh(marketUrl(name)), id)).toMatchObject({ availableDays: 10 })
  })

  it('of the profile makes the fee guidance fresh in the marketplace', async () => {
    const name = newName()
    const id = await represented(name)
    const [market] = await warm(marketUrl(name))
    expect(hit(market, id)).toMatchObject({ feeGuidance: null })

    await write('PATCH', `/api/v1/artists/${id}`, {
      profile: { feeGuidanceMin: 800_000, feeGuidanceMax: 1_200_000, feeGuidanceCurrency: 'eur' },
    })
    const after = hit(await fresh(marketUrl(name)), id)
    expect(after).toMatchObject({ feeGuidance: { min: { amount: 800_000, currency: 'EUR' }, max: { amount: 1_200_000, currency: 'EUR' } } })
  })

  it('of representation makes the agency and the windows fresh', async () => {
    const name = newName()
    const artist = await write('POST', '/api/v1/artists', { name })
    const [unrepresented] = await warm(marketUrl(name))
    expect(hit(unrepresented, artist.id)).toMatchObject({ agency: null })

    await write('POST', '/api/v1/representation-claims', { artistId: artist.id })
    expect(hit(await fresh(marketUrl(name)), artist.id)).toMatchObject({ agency: { id: agency.agencyId } })

    await write('POST', `/api/v1/artists/${artist.id}/availability`, WINDOW)
    const [listed] = await warm(searchUrl(name))
    expect(hit(listed, artist.id)).toBeDefined()
    const [link] = (await app().rest('GET', `/api/v1/roster?q=${encodeURIComponent(name)}`, { as: agency })).body.data.items
    // Ending today cuts the windows at today: nothing is offered in the searched days any more.
    await write('POST', `/api/v1/roster/${link.id}/end`, {})
    expect((await fresh(searchUrl(name))).items).toEqual([])
  })

  it('of genres makes the genre filters fresh', async () => {
    const name = newName()
    const parent = await write('POST', '/api/v1/genres', { name: `Parent ${name}` }, 'machine')
    const child = await write('POST', '/api/v1/genres', { name: `Child ${name}` }, 'machine')
    const id = await represented(name)
    await write('PATCH', `/api/v1/artists/${id}`, { genreIds: [child.id] })
    const byParent = `&genreId=${parent.id}`
    const [search, market] = await warm(searchUrl(name, byParent), marketUrl(name, byParent))
    expect([search.items, market.items]).toEqual([[], []])

    // Moving the artist's genre under the parent makes the artist match the parent (subgenres included).
    await write('PATCH', `/api/v1/genres/${child.id}`, { parentId: parent.id }, 'machine')
    expect(hit(await fresh(searchUrl(name, byParent)), id)).toBeDefined()
    expect(hit(await fresh(marketUrl(name, byParent)), id)).toBeDefined()
  })
})

describe('a bypass', () => {
  it('reads a change made behind the API live and refreshes the entry for the next readers', async () => {
    const name = newName()
    const artist = await cached.rest('POST', '/api/v1/artists', { as: agency, body: { name } })
    const id = artist.body.data.id as string
    const url = marketUrl(name)
    const [before] = await warm(url)
    expect(before.items[0]).toMatchObject({ artistId: id, feeGuidance: null })

    // No event: the read model's trigger follows the SQL write, the cache cannot know.
    await h.app.db.artistProfile.update({ where: { artistId: id }, data: { feeGuidanceMin: 100_000n, feeGuidanceCurrency: 'EUR' } })
    const stale = await read(url)
    expect([cacheOf(stale), stale.body.data.items[0].feeGuidance]).toEqual(['HIT', null])
    const live = await read(`${url}&live=true`)
    expect([cacheOf(live), live.body.data.items[0].feeGuidance?.min.amount]).toEqual(['BYPASS', 100_000])
    // The refreshed entry is the one everyone with the same access reads: a colleague with the same grant too.
    const colleague = await read(url, await h.auth.session({ ...PROMOTER_ACCESS, orgId: promoter.orgId }))
    expect([cacheOf(colleague), colleague.body.data]).toEqual(['HIT', live.body.data])
  })
})
