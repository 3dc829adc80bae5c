// OpenTelemetry traces, on when OTEL_EXPORTER_OTLP_ENDPOINT is set: one span per HTTP request with its
// Fastify lifecycle (@fastify/otel, continuing the caller's W3C traceparent), one per GraphQL operation
// (named by type and operation name), and Prisma's spans for each client call and each SQL statement
// (@prisma/instrumentation). Every span carries the request id. Exported over OTLP/HTTP (JSON) in batches.
//
// Nothing here patches modules: the Fastify plugin and Prisma's tracing hook are given this provider
// directly, so tracing works the same under ESM and needs no --import loader.
import { type Context, type Span, trace, type Tracer } from '@opentelemetry/api'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, type ReadableSpan, type SpanProcessor, type Span as SdkSpan } from '@opentelemetry/sdk-trace-base'
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'
import { FastifyOtelInstrumentation } from '@fastify/otel'
import { PrismaInstrumentation } from '@prisma/instrumentation'
import type { FastifyRequest } from 'fastify'

/** The span attribute naming the request (the x-request-id echoed to the client and on every log line). */
export const REQUEST_ID_ATTRIBUTE = 'kisum.request_id'

export interface Tracing {
  tracer: Tracer
  fastify: FastifyOtelInstrumentation
  shutdown(): Promise<void>
}

/** Copies the request id from a span's parent onto it, so Prisma's and GraphQL's spans carry it too. */
class RequestIdProcessor implements SpanProcessor {
  onStart(span: SdkSpan, parentContext: Context): void {
    if (span.attributes[REQUEST_ID_ATTRIBUTE] !== undefined) return
    const parent = trace.getSpan(parentContext) as Partial<ReadableSpan> | undefined
    const requestId = parent?.attributes?.[REQUEST_ID_ATTRIBUTE]
    if (requestId !== undefined) span.setAttribute(REQUEST_ID_ATTRIBUTE, requestId)
  }
  onEnd(): void {}
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

export function startTracing(options: { endpoint: string; serviceName: string }): Tracing {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new RequestIdProcessor(), new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` }))],
  })
  // The context manager (the active span follows async work) and the W3C propagator are process-wide by
  // nature: the first server of a process sets them.
  provider.register()
  const fastify = new FastifyOtelInstrumentation({
    // The request and handler spans; a span per lifecycle hook (a dozen per request) costs more than it tells.
    instrumentHooks: false,
    requestHook: (span: Span, request: FastifyRequest) => {
      span.setAttribute(REQUEST_ID_ATTRIBUTE, request.id)
    },
  })
  fastify.setTracerProvider(provider)
  const prisma = new PrismaInstrumentation()
  prisma.setTracerProvider(provider)
  prisma.enable()

  return {
    tracer: provider.getTracer('kisum-artists'),
    fastify,
    async shutdown() {
      prisma.disable()
      fastify.disable()
      await provider.shutdown()
    },
  }
}
