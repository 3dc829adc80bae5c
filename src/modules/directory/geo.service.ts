// Geo reference data: countries, regions, cities. Read by everyone who reads the directory; curated by
// platform admins only (rule directory.curate).
import { nameContains } from '../../search.ts'
import { z } from 'zod'
import type { RequestContext } from '../../context.ts'
import { conflict, found, invalidInput, isUniqueViolation, notFound } from '../../errors.ts'
import { Prisma } from '../../generated/prisma/client.ts'
import type { Page } from '../../pagination.ts'
import { Id, parseInput } from '../../validation.ts'
import { listing, type Selection } from '../../db/listing.ts'
import { jsonRecord, recordJson } from '../../db/record-json.ts'
import { directoryChange } from './changes.ts'

/** A directory row's (`x`) country and city, as the hand-written view statements build them (`country: true, city: true`). */
export const locationJson = {
  country: jsonRecord(recordJson('Country', 'c'), { from: 'geo_countries c', key: 'c.id', parent: 'x.country_id' }),
  city: jsonRecord(recordJson('City', 'ci'), { from: 'geo_cities ci', key: 'ci.id', parent: 'x.city_id' }),
}

/** The id of the country `code` (null when unknown), as a sub-select of a hand-written statement. */
export const countryIdSql = (code: string) => Prisma.sql`(SELECT id FROM geo_countries WHERE code = ${code})`

/** A `countryCode` filter on the row `x` of a hand-written statement (false: no filter). */
export const inCountrySql = (code: string | undefined) => code !== undefined && Prisma.sql`x.country_id = ${countryIdSql(code)}`

export const CountryCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{2}$/, 'expected an ISO 3166-1 alpha-2 code')
  .transform((c) => c.toUpperCase())

export const CountryInput = z.object({
  code: CountryCode.describe('ISO 3166-1 alpha-2 code'),
  name: z.string().trim().min(1).max(120),
})
export const UpdateCountryInput = z.object({ name: z.string().trim().min(1).max(120) })

export const RegionInput = z.object({
  countryCode: CountryCode,
  name: z.string().trim().min(1).max(120),
  code: z.string().trim().min(1).max(10).nullish().describe('ISO 3166-2 subdivision code, without the country prefix'),
})
export const UpdateRegionInput = RegionInput.omit({ countryCode: true }).partial()

export const CityInput = z.object({
  countryCode: CountryCode,
  regionId: Id.nullish(),
  name: z.string().trim().min(1).max(120),
  latitude: z.number().min(-90).max(90).nullish(),
  longitude: z.number().min(-180).max(180).nullish(),
  timezone: z
    .string()
    .trim()
    .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'expected an IANA time zone')
    .nullish(),
})
export const UpdateCityInput = CityInput.omit({ countryCode: true }).partial()

export const CountryFilter = z.object({ q: z.string().trim().min(1).max(100).optional() })
export const RegionFilter = z.object({ countryCode: CountryCode.optional(), q: z.string().trim().min(1).max(100).optional() })
export const CityFilter = z.object({
  countryCode: CountryCode.optional(),
  regionId: Id.optional(),
  q: z.string().trim().min(1).max(100).optional(),
})

/** Resolves a country code to its id, or fails with a field error naming the input field. */
export async function countryIdOf(ctx: RequestContext, code: string, field = 'countryCode'): Promise<string> {
  const country = await ctx.db.country.findUnique({ where: { code }, select: { id: true } })
  if (!country) throw invalidInput(field, `unknown country ${code}`)
  return country.id
}

/** Checks that a city exists (and lies in the given country when one is given). */
export async function assertCity(ctx: RequestContext, cityId: string, countryId: string | null, field = 'cityId') {
  const city = await ctx.db.city.findUnique({ where: { id: cityId }, select: { countryId: true } })
  if (!city) throw invalidInput(field, 'unknown city')
  if (countryId && city.countryId !== countryId) throw invalidInput(field, 'the city is not in the given country')
}

/** Country code → id and city checks of any directory record with a location (agencies, artists, people). */
export async function locationData(
  ctx: RequestContext,
  input: { countryCode?: string | null; cityId?: string | null },
  current?: { countryId: string | null },
  fieldPrefix = '',
): Promise<{ countryId?: string | null; cityId?: string | null }> {
  const countryId =
    input.countryCode === undefined
      ? undefined
      : input.countryCode === null
        ? null
        : await countryIdOf(ctx, input.countryCode, `${fieldPrefix}countryCode`)
  if (input.cityId) await assertCity(ctx, input.cityId, countryId ?? current?.countryId ?? null, `${fieldPrefix}cityId`)
  return { countryId, cityId: input.cityId }
}

export const countries = {
  get: async (ctx: RequestContext, code: string, query: Selection = {}) =>
    found(await ctx.db.country.findUnique({ ...query, where: { code: parseInput(CountryCode, code) } }), 'country', code),

  list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const f = parseInput(CountryFilter, filter)
    const where: Prisma.CountryWhereInput = f.q ? { OR: [{ nameSearch: nameContains(f.q) }, { code: f.q.toUpperCase() }] } : {}
    return listing(ctx.db.country, { where, orderBy: { name: 'asc' } }, page, query)
  },

  async create(ctx: RequestContext, input: unknown) {
    const data = parseInput(CountryInput, input)
    try {
      return await directoryChange(ctx, 'geo', 'created', (tx) => tx.country.create({ data }))
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('already_exists', `country ${data.code} already exists`)
      throw e
    }
  },

  async update(ctx: RequestContext, code: string, input: unknown) {
    const data = parseInput(UpdateCountryInput, input)
    const country = await ctx.db.country.findUnique({ where: { code: parseInput(CountryCode, code) } })
    if (!country) throw notFound('country', code)
    return directoryChange(ctx, 'geo', 'updated', (tx) => tx.country.update({ where: { id: country.id }, data }))
  },
}

export const regions = {
  list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const f = parseInput(RegionFilter, filter)
    const where: Prisma.RegionWhereInput = { country: f.countryCode ? { code: f.countryCode } : undefined, nameSearch: nameContains(f.q) }
    return listing(ctx.db.region, { where, orderBy: { name: 'asc' } }, page, query)
  },

  async create(ctx: RequestContext, input: unknown) {
    const { countryCode, ...data } = parseInput(RegionInput, input)
    const countryId = await countryIdOf(ctx, countryCode)
    try {
      return await directoryChange(ctx, 'geo', 'created', (tx) => tx.region.create({ data: { ...data, countryId } }))
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('already_exists', `region ${data.name} already exists in ${countryCode}`)
      throw e
    }
  },

  async update(ctx: RequestContext, id: string, input: unknown) {
    const data = parseInput(UpdateRegionInput, input)
    if (!(await ctx.db.region.findUnique({ where: { id }, select: { id: true } }))) throw notFound('region', id)
    try {
      return await directoryChange(ctx, 'geo', 'updated', (tx) => tx.region.update({ where: { id }, data }))
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict('already_exists', `region ${data.name} already exists in this country`)
      throw e
    }
  },
}

async function assertRegionInCountry(ctx: RequestContext, regionId: string, countryId: string) {
  const region = await ctx.db.region.findUnique({ where: { id: regionId }, select: { countryId: true } })
  if (!region) throw invalidInput('regionId', 'unknown region')
  if (region.countryId !== countryId) throw invalidInput('regionId', 'the region is not in the given country')
}

export const cities = {
  get: async (ctx: RequestContext, id: string, query: Selection = {}) =>
    found(await ctx.db.city.findUnique({ ...query, where: { id } }), 'city', id),

  list(ctx: RequestContext, filter: unknown, page: Page, query: Selection = {}) {
    const f = parseInput(CityFilter, filter)
    const where: Prisma.CityWhereInput = {
      country: f.countryCode ? { code: f.countryCode } : undefined,
      regionId: f.regionId,
      nameSearch: nameContains(f.q),
    }
    return listing(ctx.db.city, { where, orderBy: { name: 'asc' } }, page, query)
  },

  async create(ctx: RequestContext, input: unknown) {
    const { countryCode, ...data } = parseInput(CityInput, input)
    const countryId = await countryIdOf(ctx, countryCode)
    if (data.regionId) await assertRegionInCountry(ctx, data.regionId, countryId)
    return directoryChange(ctx, 'geo', 'created', (tx) => tx.city.create({ data: { ...data, countryId } }))
  },

  async update(ctx: RequestContext, id: string, input: unknown) {
    const data = parseInput(UpdateCityInput, input)
    const city = await ctx.db.city.findUnique({ where: { id }, select: { countryId: true } })
    if (!city) throw notFound('city', id)
    if (data.regionId) await assertRegionInCountry(ctx, data.regionId, city.countryId)
    return directoryChange(ctx, 'geo', 'updated', (tx) => tx.city.update({ where: { id }, data }))
  },
}
