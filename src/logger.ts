// Structured JSON logs (pino). Credentials never reach a log line: the request context logs who called
// (user, company), and these paths are redacted should a header object ever be logged.
import pino from 'pino'

export function createLogger(level: string) {
  return pino({
    level,
    base: { service: 'kisum-artists' },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-internal-api-key"]',
        'headers.authorization',
        'headers["x-internal-api-key"]',
        'token',
      ],
      censor: '[redacted]',
    },
  })
}
