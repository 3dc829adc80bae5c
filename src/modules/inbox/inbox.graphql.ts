import { readAs } from '../../access/read-as.ts'
import { builder, requires } from '../../graphql/builder.ts'
import { graphqlEnum, inputFromZod } from '../../graphql/inputs.ts'
import { UserRef } from '../../graphql/references.ts'
import { AgencyRef } from '../directory/agencies.graphql.ts'
import { CompanyRef } from '../directory/tenant-company.graphql.ts'
import { SideEnum } from '../booking/booking.graphql.ts'
import { CountsQuery, inbox } from './inbox.service.ts'
import { viewer } from './viewer.service.ts'

const ModuleEnum = graphqlEnum(
  'AccessModule',
  { artist: 'artist', promoter: 'promoter' },
  "This subgraph's modules a company may be granted",
)

type Viewer = Awaited<ReturnType<typeof viewer.get>>
type Counts = Awaited<ReturnType<typeof inbox.counts>>

const ViewerRef = builder.objectRef<Viewer>('Viewer').implement({
  description: 'Who am I: the signed-in user and company, as this module sees them.',
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (v) => ({ id: v.userId }) }),
    userId: t.exposeID('userId'),
    company: t.field({ type: CompanyRef, description: 'The company of x-org.', resolve: (v) => ({ id: v.companyId }) }),
    companyId: t.exposeID('companyId'),
    modules: t.field({ type: [ModuleEnum], resolve: (v) => v.modules }),
    sides: t.field({
      type: [SideEnum],
      description: 'The sides its modules open: AGENCY (artist module), PROMOTER.',
      resolve: (v) => v.sides,
    }),
    bookingSide: t.field({
      type: SideEnum,
      nullable: true,
      description: 'The side the booking pipeline takes the company for (bridged with the artist module: AGENCY).',
      resolve: (v) => v.bookingSide,
    }),
    bridged: t.exposeBoolean('bridged', { description: 'Whether the company is bridged to an agency.' }),
    agencyId: t.exposeID('agencyId', { nullable: true }),
    agency: t.field({ type: AgencyRef, nullable: true, resolve: (v) => readAs('viewer.read', v.agency) }),
    bridgedSince: t.expose('bridgedSince', { type: 'DateTime', nullable: true }),
    permissions: t.exposeStringList('permissions', { description: "The caller's effective permissions in this module (from Auth)." }),
    rules: t.exposeStringList('rules', {
      description: 'The access rules (docs/permissions.md) the caller passes now, agency bridge included: what the app may offer.',
    }),
  }),
})

const CountsRef = builder.objectRef<Counts>('InboxCounts').implement({
  description: 'Tab badges; each is the totalCount of one inbox list filter (src/modules/inbox/README.md).',
  fields: (t) => ({
    side: t.field({ type: SideEnum, resolve: (c) => c.side }),
    requestsAwaitingAnswer: t.exposeInt('requestsAwaitingAnswer', {
      description: 'Agency: bookingRequests(status: [OPEN], awaitingMe: true). Promoter: bookingRequests(status: [OPEN]).',
    }),
    offersAwaitingMe: t.exposeInt('offersAwaitingMe', { description: 'bookingOffers(awaitingMe: true)' }),
    holdsExpiringSoon: t.exposeInt('holdsExpiringSoon', {
      description: 'bookingHolds(status: [ACTIVE], expiringBefore: holdsExpiringBefore)',
    }),
    holdsExpiringBefore: t.expose('holdsExpiringBefore', { type: 'DateTime' }),
    signaturesNeeded: t.exposeInt('signaturesNeeded', {
      nullable: true,
      description: 'contracts(filter: { awaitingMe: true }); null without contracts.read.',
    }),
    asOf: t.expose('asOf', { type: 'DateTime' }),
  }),
})

const CountsInput = inputFromZod('InboxCountsInput', CountsQuery)

builder.queryFields((t) => ({
  viewer: t.field({
    ...requires('viewer.read'),
    type: ViewerRef,
    description: 'Who am I: any tenant user of the module (agency or promoter side, bridged or not).',
    resolve: (_root, _args, ctx) => viewer.get(ctx),
  }),
  inboxCounts: t.field({
    ...requires('bookings.read'),
    type: CountsRef,
    description: 'The badge counts of the inbox tabs, lapses applied exactly as the lists read them.',
    args: { input: t.arg({ type: CountsInput }) },
    resolve: (_root, args, ctx) => inbox.counts(ctx, args.input ?? {}),
  }),
}))
