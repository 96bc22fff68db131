import { readFileSync } from 'node:fs'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

export interface SchemaVerdict {
  /** Schema name, or undefined when no schema covers the message's @type. */
  schema: string | undefined
  valid: boolean
  /** Human readable: instance path + message. */
  errors: string[]
}

const COMMON_ID = 'https://didcomm-conformance.dev/schemas/common.schema.json'

/** (protocol, major version, message name) → schema name; any minor version of the major is accepted. */
const MESSAGE_SCHEMAS: readonly (readonly [protocol: string, major: number, name: string, schema: string])[] = [
  ['out-of-band', 1, 'invitation', 'oob-invitation'],
  ['out-of-band', 1, 'handshake-reuse', 'oob-handshake-reuse'],
  ['out-of-band', 1, 'handshake-reuse-accepted', 'oob-handshake-reuse-accepted'],
  ['out-of-band', 1, 'problem_report', 'oob-problem-report'],
  ['didexchange', 1, 'request', 'didexchange-request'],
  ['didexchange', 1, 'response', 'didexchange-response'],
  ['didexchange', 1, 'complete', 'didexchange-complete'],
  ['didexchange', 1, 'problem_report', 'didexchange-problem-report'],
  // Credo's hyphenated name is routed to the schema so that the wrong name is reported rather than left unchecked.
  ['didexchange', 1, 'problem-report', 'didexchange-problem-report'],
  ['trust_ping', 1, 'ping', 'trust-ping-ping'],
  ['trust_ping', 1, 'ping_response', 'trust-ping-ping-response'],
  ['basicmessage', 1, 'message', 'basicmessage-message'],
  ['report-problem', 1, 'problem-report', 'problem-report'],
  ['notification', 1, 'problem-report', 'problem-report'],
  ['notification', 1, 'ack', 'ack'],
  ['did-rotate', 1, 'rotate', 'did-rotate-rotate'],
  ['did-rotate', 1, 'ack', 'did-rotate-ack'],
  ['did-rotate', 1, 'problem-report', 'did-rotate-problem-report'],
  ['did-rotate', 1, 'hangup', 'did-rotate-hangup'],
  // ACA-Py's de-facto endorsement protocol (endorse_transaction); no accepted Aries RFC defines it.
  ['transactions', 1, 'request', 'transactions-request'],
  ['transactions', 1, 'endorse', 'transactions-endorse'],
  ['transactions', 1, 'refuse', 'transactions-refuse'],
  ['transactions', 1, 'cancel', 'transactions-cancel'],
  ['transactions', 1, 'resend', 'transactions-resend'],
  ['transactions', 1, 'transaction_my_job', 'transactions-transaction-my-job'],
  ['transactions', 1, 'ack', 'transactions-ack'],
]

const SCHEMA_BY_TYPE = new Map(
  MESSAGE_SCHEMAS.map(([protocol, major, name, schema]) => [`${protocol}/${major}/${name}`, schema]),
)

const SCHEMA_NAMES = ['envelope', 'envelope-protected', ...new Set(MESSAGE_SCHEMAS.map(([, , , schema]) => schema))]

const MESSAGE_TYPE =
  /^(?:https:\/\/didcomm\.org\/|did:sov:BzCbsNYhMrjHiqZDTUASHg;spec\/)([a-z0-9._-]+)\/(\d+)\.\d+\/([a-z0-9._-]+)$/

interface Compiled {
  bySchema: Map<string, ValidateFunction>
  message: ValidateFunction
}

let compiled: Compiled | undefined

function loadJson(file: string): object {
  return JSON.parse(readFileSync(new URL(`./${file}`, import.meta.url), 'utf8')) as object
}

function compile(): Compiled {
  if (compiled) return compiled
  const ajv = strictAjv()
  ajv.addSchema(loadJson('common.schema.json'))
  const bySchema = new Map(SCHEMA_NAMES.map((name) => [name, ajv.compile(loadJson(`${name}.schema.json`))]))
  const message = ajv.getSchema(`${COMMON_ID}#/$defs/message`)
  if (!message) throw new Error('common.schema.json has no message definition')
  compiled = { bySchema, message }
  return compiled
}

/** Ajv for JSON Schema 2020-12 in strict mode, every error reported, with the standard formats. */
export function strictAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true })
  // ajv-formats is CommonJS: its default import is module.exports, which also carries the plugin as .default.
  addFormatsModule.default(ajv)
  return ajv
}

/** An ajv error as a person reads it: where, what, and the allowed values where there is a list. */
export function describeError(error: ErrorObject): string {
  // Unescape the JSON Pointer so decorators read as /~thread, not /~0thread.
  const where = error.instancePath.replace(/~1/g, '/').replace(/~0/g, '~') || '/'
  if (error.keyword === 'false schema') return `${where} must NOT be present`
  const detail =
    error.keyword === 'additionalProperties'
      ? ` '${String(error.params.additionalProperty)}'`
      : error.keyword === 'enum' || error.keyword === 'const'
        ? `: ${JSON.stringify(error.keyword === 'enum' ? error.params.allowedValues : error.params.allowedValue)}`
        : ''
  return `${where} ${error.message ?? error.keyword}${detail}`
}

function run(schema: string, validate: ValidateFunction, data: unknown): SchemaVerdict {
  const valid = validate(data)
  if (valid) return { schema, valid, errors: [] }
  // A failed if/then only repeats the errors of its branch; a property checked by both the generic and the
  // specific rules can fail twice with the same message.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describeError)
  return { schema, valid, errors: [...new Set(errors)] }
}

function validateWith(schema: string, data: unknown): SchemaVerdict {
  const validate = compile().bySchema.get(schema)
  if (!validate) throw new Error(`unknown schema ${schema}`)
  return run(schema, validate, data)
}

export function schemaNames(): string[] {
  return [...SCHEMA_NAMES]
}

/** Schema name for a message type under either prefix and any minor version of the supported major. */
export function schemaForType(type: string): string | undefined {
  const m = MESSAGE_TYPE.exec(type)
  if (!m) return undefined
  const [, protocol, major, name] = m
  return SCHEMA_BY_TYPE.get(`${protocol}/${Number(major)}/${name}`)
}

/** The outer RFC 0019 JSON as received on the wire. */
export function validateEnvelope(envelope: unknown): SchemaVerdict {
  return validateWith('envelope', envelope)
}

/** The RFC 0019 protected header after base64url and JSON decoding. */
export function validateProtectedHeader(header: unknown): SchemaVerdict {
  return validateWith('envelope-protected', header)
}

/**
 * Validates a plaintext message against the schema its @type selects. A non-object or a message without a string
 * @type is invalid under schema 'message'; a type no schema covers is checked only against the generic message
 * rules (type syntax, @id, decorators) and reported with schema undefined.
 */
export function validateMessage(message: unknown): SchemaVerdict {
  const { message: generic } = compile()
  const type =
    typeof message === 'object' && message !== null ? (message as Record<string, unknown>)['@type'] : undefined
  // The generic rules require a string @type, so this verdict is always invalid.
  if (typeof type !== 'string') return run('message', generic, message)
  const schema = schemaForType(type)
  return schema ? validateWith(schema, message) : { ...run('message', generic, message), schema: undefined }
}

let summaryValidator: ValidateFunction | undefined

/** A run's summary.json against schemas/run/summary.schema.json, the run contract. */
export function validateSummary(summary: unknown): SchemaVerdict {
  if (!summaryValidator) {
    const ajv = new Ajv2020({ strict: true, allErrors: true })
    addFormatsModule.default(ajv)
    summaryValidator = ajv.compile(loadJson('run/summary.schema.json'))
  }
  return run('summary', summaryValidator, summary)
}
