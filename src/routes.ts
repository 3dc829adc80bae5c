// Assembles the /api/v1 REST shim from every capability area's routes.
import { agencyRoutes } from './modules/directory/agencies.rest.ts'
import { artistRoutes } from './modules/directory/artists.rest.ts'
import { genreRoutes } from './modules/directory/genres.rest.ts'
import { geoRoutes } from './modules/directory/geo.rest.ts'
import { personRoutes } from './modules/directory/people.rest.ts'
import { availabilityRoutes } from './modules/availability/availability.rest.ts'
import { marketplaceRoutes } from './modules/marketplace/marketplace.rest.ts'
import { bookingRoutes } from './modules/booking/booking.rest.ts'
import { contractRoutes } from './modules/contracts/contracts.rest.ts'
import { dashboardRoutes } from './modules/dashboards/dashboards.rest.ts'
import { shortlistRoutes } from './modules/shortlists/shortlists.rest.ts'
import { financeRoutes } from './modules/finance/finance.rest.ts'
import { logisticsRoutes } from './modules/logistics/logistics.rest.ts'
import { inboxRoutes } from './modules/inbox/inbox.rest.ts'
import { outboxRoutes } from './modules/outbox/outbox.rest.ts'
import { relationshipRoutes } from './modules/relationships/relationships.rest.ts'
import { provisioningRoutes } from './modules/provisioning/provisioning.rest.ts'
import { companyClaimRoutes } from './modules/representation/company-claims.rest.ts'
import { representationRoutes } from './modules/representation/representation.rest.ts'
import { touringRoutes } from './modules/touring/touring.rest.ts'
import type { RouteDefinition } from './rest/route.ts'

export const routes: RouteDefinition[] = [
  ...artistRoutes,
  ...agencyRoutes,
  ...personRoutes,
  ...genreRoutes,
  ...geoRoutes,
  ...provisioningRoutes,
  ...companyClaimRoutes,
  ...representationRoutes,
  ...availabilityRoutes,
  ...marketplaceRoutes,
  ...bookingRoutes,
  ...contractRoutes,
  ...financeRoutes,
  ...logisticsRoutes,
  ...touringRoutes,
  ...inboxRoutes,
  ...dashboardRoutes,
  ...shortlistRoutes,
  ...relationshipRoutes,
  ...outboxRoutes,
]
