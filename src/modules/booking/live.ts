// The pipeline's expiry predicates in SQL, for readers that count instead of loading (dashboards, tasks):
// an object is live at `now` exactly when `requestDue` (pipeline.ts), `effectiveOfferStatus` and
// `effectiveHoldStatus` (state.ts) would leave it as it is, so a count read between a lapse and the next
// expiry pass already leaves the lapsed objects out.
import { Prisma } from '../../generated/prisma/client.ts'

/** An open or negotiating request (alias `r`) neither past its answer-by time nor past its event. */
export const liveRequest = (now: Date) =>
  Prisma.sql`r.status IN ('open', 'negotiating', 'held') AND (r.status = 'held' OR ((r.expires_at IS NULL OR r.expires_at > ${now}) AND r.starts_at > ${now}))`

/** An open offer (alias `o`) not past its answer-by time. */
export const liveOffer = (now: Date) => Prisma.sql`o.status = 'open' AND (o.expires_at IS NULL OR o.expires_at > ${now})`

/** An active hold (alias `h`) within its hold period and not past an unanswered challenge. */
export const liveHold = (now: Date) =>
  Prisma.sql`h.status = 'active' AND h.expires_at > ${now} AND (h.challenge_deadline IS NULL OR h.challenge_deadline > ${now})`
