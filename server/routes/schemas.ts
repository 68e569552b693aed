// JSON schemas shared by the routes: request validation and response serialisation.
// Response schemas also act as an allow-list: a field not named here never leaves the server.

export const directions = ['down', 'up'] as const;
export const trafficClasses = ['total', 'internet', 'docex', 'video', 'other'] as const;

export const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    /** The request field the error is about, when there is one. */
    field: { type: 'string' },
  },
  required: ['statusCode', 'error', 'message'],
} as const;

export const errorResponses = {
  '4xx': errorSchema,
  '5xx': errorSchema,
} as const;

export const linkSampleSchema = {
  type: 'object',
  properties: {
    atMs: { type: 'number' },
    intervalMs: { type: 'number' },
    link: { type: 'string' },
    province: { type: 'string' },
    tier: { type: 'integer', enum: [1, 2] },
    dir: { type: 'string', enum: directions },
    class: { type: 'string', enum: trafficClasses },
    bitsPerSecond: { type: 'number' },
    dropBitsPerSecond: { type: 'number' },
    prePolicyBitsPerSecond: { type: 'number' },
    reservedBps: { type: 'number' },
    capacityBps: { type: 'number' },
    utilization: { type: 'number' },
  },
  required: ['atMs', 'intervalMs', 'link', 'province', 'tier', 'dir', 'class', 'bitsPerSecond', 'capacityBps', 'utilization'],
} as const;
