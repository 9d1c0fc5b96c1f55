// What every use of matrix-js-sdk in the suite shares: a logger that says nothing. The SDK logs
// every request at debug level through loglevel; the report is the suite's only output.

import { logger as sdkRootLogger } from "matrix-js-sdk/lib/logger.js";

export const silentLogger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  getChild() {
    return silentLogger;
  },
};
sdkRootLogger.setLevel("silent", false);
