/** The relay's version, the same as the package's. */
export const RELAY_VERSION = '0.1.0';
