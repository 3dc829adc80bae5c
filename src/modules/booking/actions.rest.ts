// The REST face of "what can I do next" (actions.ts): the fields a view carries, in its response schema.
import type { JsonSchema } from '../../rest/schemas.ts'
import { BLOCK_REASONS } from './actions.ts'

/** A view with what the caller may do now (`actions`) and why not the rest (`blockedActions`), as actions.ts computes. */
export const withActions = (schema: JsonSchema, actions: readonly string[], extra: Record<string, JsonSchema> = {}): JsonSchema => ({
  allOf: [
    schema,
    {
      type: 'object',
      properties: {
        ...extra,
        actions: { type: 'array', items: { type: 'string', enum: [...actions] }, description: 'What the caller may do now' },
        blockedActions: {
          type: 'array',
          description: 'The other actions, and why each is not open now',
          items: {
            type: 'object',
            properties: {
              action: { type: 'string', enum: [...actions] },
              reason: { type: 'string', enum: Object.keys(BLOCK_REASONS) },
              message: { type: 'string' },
            },
            required: ['action', 'reason', 'message'],
          },
        },
      },
      required: ['actions', 'blockedActions'],
    },
  ],
})
