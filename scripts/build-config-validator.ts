import { writeFile } from 'node:fs/promises'
import { configValidatorSource } from '../src/config/validator-source.js'

/** Build step after tsc: writes dist/src/config/config-validator.js, CONFIG_SCHEMA's precompiled validator. */

await writeFile(new URL('../src/config/config-validator.js', import.meta.url), configValidatorSource())
