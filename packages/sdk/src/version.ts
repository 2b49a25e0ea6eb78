/** This package's version, sent in the `User-Agent` header as `dingbot/<version>`. */
export const VERSION = '0.1.0';
