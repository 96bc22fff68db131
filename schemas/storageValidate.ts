import { readFileSync } from 'node:fs'
import type { ValidateFunction } from 'ajv/dist/2020.js'
import type { StorageLayout, StoredItem, StoredKey } from '../contract/storeSnapshot.js'
import { describeError, strictAjv, type SchemaVerdict } from './validate.js'

/** Schema names, `<layout>/<kind>`, each the file `storage/<layout>/<kind>.schema.json`. */
const STORAGE_SCHEMAS = [
  'acapy-0.12.8/did',
  'acapy-0.12.8/key',
  'acapy-1.7.0/did',
  'acapy-1.7.0/key',
  'credo-0.5/did-record',
  'credo-0.5/key',
  'credo-0.6/did-record',
  'credo-0.6/key',
  'seed/did',
  'seed/key-bound',
  'seed/key-didcomm-v1',
  'seed/key-unbound',
  'seed/nym',
] as const

/** Item category → schema kind, per layout. A category missing here has no schema in that layout. */
const ITEM_KINDS: Record<StorageLayout, Readonly<Record<string, string>>> = {
  seed: { did: 'did', nym: 'nym' },
  'acapy-0.12.8': { did: 'did' },
  'acapy-1.7.0': { did: 'did' },
  'credo-0.5': { DidRecord: 'did-record' },
  'credo-0.6': { DidRecord: 'did-record' },
}

let compiled: Map<string, ValidateFunction> | undefined

function compile(): Map<string, ValidateFunction> {
  if (compiled) return compiled
  const ajv = strictAjv()
  compiled = new Map(
    STORAGE_SCHEMAS.map((name) => {
      const file = new URL(`./storage/${name}.schema.json`, import.meta.url)
      return [name, ajv.compile(JSON.parse(readFileSync(file, 'utf8')) as object)]
    }),
  )
  return compiled
}

/** Storage schema names, `<layout>/<kind>`, sorted. */
export function storageSchemaNames(): string[] {
  return [...STORAGE_SCHEMAS]
}

/** Validates a record of a store snapshot against the named storage schema, e.g. `seed/did`. */
export function validateStored(schema: string, record: StoredItem | StoredKey): SchemaVerdict {
  const validate = compile().get(schema)
  if (!validate) throw new Error(`unknown storage schema ${schema}`)
  if (validate(record)) return { schema, valid: true, errors: [] }
  // A failed if/then only repeats the errors of its branch.
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describeError)
  return { schema, valid: false, errors: [...new Set(errors)] }
}

const isKey = (record: StoredItem | StoredKey): record is StoredKey => 'algorithm' in record

/**
 * The seed design's three kinds of key entry, told apart by name: a verification method id (bound), a multikey
 * without a `did` tag (unbound), else a base58 verkey (DIDComm v1).
 */
function seedKeyKind(key: StoredKey): string {
  if (key.name.startsWith('did:') && key.name.includes('#')) return 'key-bound'
  if (key.name.startsWith('z') && key.tags.did === undefined) return 'key-unbound'
  return 'key-didcomm-v1'
}

/** Which schema of a layout covers this record (undefined when the layout has none for it, e.g. an ACA-Py connection record). */
export function layoutSchemaFor(layout: StorageLayout, record: StoredItem | StoredKey): string | undefined {
  if (isKey(record)) return `${layout}/${layout === 'seed' ? seedKeyKind(record) : 'key'}`
  const kinds = ITEM_KINDS[layout]
  const kind = Object.hasOwn(kinds, record.category) ? kinds[record.category] : undefined
  return kind === undefined ? undefined : `${layout}/${kind}`
}
