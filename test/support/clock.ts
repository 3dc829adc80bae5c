// The service's clock in tests: the wall clock moved by however far a test has advanced it, so a test
// lets an hour pass instead of waiting for it (and timestamps the database writes itself stay in order).
import type { Clock } from '../../src/clock.ts'

export class TestClock implements Clock {
  private offsetMs = 0

  now(): Date {
    return new Date(Date.now() + this.offsetMs)
  }

  advance(ms: number): void {
    this.offsetMs += ms
  }

  reset(): void {
    this.offsetMs = 0
  }
}
