import type { Ledger } from '../agents/indy-pool/resource.js'
import type { TailsServer } from '../agents/tails-server/server.js'
import type { Driver } from '../backchannels/capabilities.js'

/**
 * The drivers of the current run by instance, shared between the runner (which starts the hosts)
 * and the step definitions (which cucumber loads in the same process).
 */
const drivers = new Map<string, Driver>()

export function registerDriver(driver: Driver): void {
  drivers.set(driver.instance, driver)
}

export function driverOf(instance: string): Driver {
  const driver = drivers.get(instance)
  if (!driver) throw new Error(`no agent instance ${instance} in this run (have: ${[...drivers.keys()].join(', ')})`)
  return driver
}

export function clearDrivers(): void {
  drivers.clear()
}

/** The run's Indy pool, or why the run has none (scenarios tagged @ledger are then untested). */
let ledger: Ledger | { unavailable: string } = { unavailable: 'the run selected no scenario tagged @ledger' }

export function registerLedger(value: Ledger | { unavailable: string }): void {
  ledger = value
}

/** Why the run has no ledger, or undefined when it has one. */
export function ledgerMissing(): string | undefined {
  return 'unavailable' in ledger ? ledger.unavailable : undefined
}

/** The run's ledger, for reading back what agents wrote. */
export function ledgerOfRun(): Ledger {
  if ('unavailable' in ledger) throw new Error(`this run has no Indy ledger: ${ledger.unavailable}`)
  return ledger
}

/** The run's tails server, when it selected scenarios tagged @revocation and has a ledger. */
let tailsServer: TailsServer | undefined

export function registerTailsServer(server: TailsServer | undefined): void {
  tailsServer = server
}

export function tailsServerOfRun(): TailsServer {
  if (!tailsServer) throw new Error('this run has no tails server: it selected no scenario tagged @revocation')
  return tailsServer
}
