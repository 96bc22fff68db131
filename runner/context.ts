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
