import { viewSchema } from '../../rest/schemas.ts'
import { route } from '../../rest/route.ts'
import { CountsQuery, inbox } from './inbox.service.ts'
import { viewer } from './viewer.service.ts'

const tag = 'Inbox'
const side = { type: 'string', enum: ['agency', 'promoter'] }
const uuid = { type: 'string', format: 'uuid' }
const instant = { type: 'string', format: 'date-time' }

export const inboxRoutes = [
  route({
    method: 'GET',
    url: '/api/v1/me',
    tag,
    summary: 'Who am I: user, company, sides, agency bridge and effective permissions (any tenant user of the module)',
    access: 'viewer.read',
    response: {
      type: 'object',
      properties: {
        userId: uuid,
        companyId: uuid,
        modules: { type: 'array', items: { type: 'string', enum: ['artist', 'promoter'] } },
        sides: { type: 'array', items: side },
        bookingSide: { ...side, nullable: true },
        bridged: { type: 'boolean' },
        agencyId: { ...uuid, nullable: true },
        agency: { allOf: [viewSchema('Agency')], nullable: true },
        bridgedSince: { ...instant, nullable: true },
        permissions: { type: 'array', items: { type: 'string' } },
        rules: { type: 'array', items: { type: 'string' } },
      },
      required: ['userId', 'companyId', 'modules', 'sides', 'bookingSide', 'bridged', 'agencyId', 'agency', 'permissions', 'rules'],
    },
    handler: ({ ctx }) => viewer.get(ctx),
  }),
  route({
    method: 'GET',
    url: '/api/v1/inbox/counts',
    tag,
    summary: 'Badge counts of the inbox tabs: each the total of one list filter, lapses applied as the lists read them',
    access: 'bookings.read',
    query: CountsQuery,
    response: {
      type: 'object',
      properties: {
        side,
        requestsAwaitingAnswer: { type: 'integer' },
        offersAwaitingMe: { type: 'integer' },
        holdsExpiringSoon: { type: 'integer' },
        holdsExpiringBefore: instant,
        signaturesNeeded: { type: 'integer', nullable: true },
        asOf: instant,
      },
      required: [
        'side',
        'requestsAwaitingAnswer',
        'offersAwaitingMe',
        'holdsExpiringSoon',
        'holdsExpiringBefore',
        'signaturesNeeded',
        'asOf',
      ],
    },
    handler: ({ ctx, query }) => inbox.counts(ctx, query),
  }),
]
