// Offset pagination shared by the faces: REST speaks page/limit ({ items, total, page, limit }), GraphQL
// speaks Relay connections; both reach services as { offset, limit }.
import { z } from 'zod'

export interface Page {
  offset: number
  limit: number
}

export const MAX_PAGE_SIZE = 100
export const DEFAULT_PAGE_SIZE = 20
/**
 * How far a listing's `total` counts. An exact count reads every matching row on every page request (the cost
 * that grows with the directory, not with the page); past this many matches `total` says COUNT_LIMIT and
 * `totalCapped` says there are more.
 */
export const COUNT_LIMIT = 1000
/** What a listing's count takes: one row past the limit tells "more than COUNT_LIMIT" from "exactly COUNT_LIMIT". */
export const COUNT_TAKE = COUNT_LIMIT + 1

/** A counted total as both faces show it. */
export const totalOf = (counted: number) => ({ total: Math.min(counted, COUNT_LIMIT), totalCapped: counted > COUNT_LIMIT })

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1).describe('1-based page number'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE).describe(`Page size (at most ${MAX_PAGE_SIZE})`),
})

export const pageOf = (q: { page: number; limit: number }): Page => ({ offset: (q.page - 1) * q.limit, limit: q.limit })

/** A page of items and, on demand, the total across pages (GraphQL counts only when totalCount is asked). */
export interface Listing<T> {
  items: T[]
  total: () => Promise<number>
}
