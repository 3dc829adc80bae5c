// How V8 manages the service's heap, set once per process before the service allocates: the entry
// (src/main.ts) imports this first, and so does src/server.ts, for the bench and the tests that build a server
// without the entry.
//
// Allocation-site pretenuring off. V8 decides once and for good, per allocation site (an object or array
// literal, `new Array`), to allocate that site's objects straight in old space once most of them survived a
// scavenge in one young-generation cycle; warm-up traffic (cold code, slow first requests) is enough to decide
// it for per-request sites. Their objects then die in old space, which only a mark-compact reclaims, and until
// then the scavenger counts everything they point at as live (old-to-new references are its roots): each
// search's rows as pg read them (the hits' JSON text, most of ~37 kB a request) survived two scavenges and was
// promoted: ~2 MB a scavenge, each pausing the service 9–14 ms, and the old space grew by as much until the next
// mark-compact. Without it, what a request allocates dies young (src/modules/availability/README.md,
// "Node's CPU per search").
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--no-allocation-site-pretenuring')
