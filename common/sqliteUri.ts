/** An Askar SQLite URI for a file, percent-encoded as ACA-Py quotes it: an `@` in a path would read as user info. */
export const sqliteUri = (file: string): string => `sqlite://${file.split('/').map(encodeURIComponent).join('/')}`
