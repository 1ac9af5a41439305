import type { ErrorObject } from 'ajv'

/**
 * CONFIG_SCHEMA's validator, compiled ahead of time: `npm run build` writes
 * dist/src/config/config-validator.js with scripts/build-config-validator.ts, so reading a
 * config never loads Ajv.
 */
declare const validate: {
  (data: unknown): boolean
  errors?: ErrorObject[] | null
}
export default validate
