import { readFile } from 'node:fs/promises'

/** The last `lines` lines of a text file, or a note that there is none. */
export async function tailFile(file: string, lines = 40): Promise<string> {
  try {
    const text = await readFile(file, 'utf8')
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
  } catch {
    return `(no log at ${file})`
  }
}
