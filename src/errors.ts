// errors.ts — the one API error class and the catalog of every failure the wire can show, and the two errors that stop
// a start (a bad option, a machine that cannot do what the options ask); no HTTP here.

/** An option's value is not one it takes (`--port abc`, an unknown name given in code): one line naming it. */
export class ConfigError extends Error {}

/** The machine cannot do what the options ask (no memcached, port taken, data path not writable, …): one line with the fix. */
export class StartupError extends Error {}

export class ApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    // An answer, not a fault: no stack trace to capture (it was ~6 % of a refused call's CPU under load).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'ApiError';
  }
}

export const CREATE_MISSING_TEXT = '参数缺失,conf_size,site_id ,app_id, pipe_id为必传参数';
export const SIGNATURE_MISMATCH_TEXT = '请求的签名经过计算跟你提供的签名不匹配，请检查你的通行密钥和签名方法';

export const Errors = {
  invalidParameter: (field: string, why: string) => new ApiError(400, '20001', `参数错误: ${field} ${why}`),
  createMissing: (fields: string[]) => new ApiError(400, '20001', `${CREATE_MISSING_TEXT} (missing: ${fields.join(', ')})`),
  vdcMismatch: (detail: string) => new ApiError(400, '20001', `请确认VDC信息: ${detail}`),
  paramParse: (why: string) => new ApiError(400, 'ParamParseError', `请求体不是合法的JSON对象 (request body is not a valid JSON object): ${why}`),
  unsupportedAction: (action: string) => new ApiError(400, 'UnsupportedAction', `Unsupported action. (${action})`),
  missingParameter: (name: string) => new ApiError(400, 'MissingParameter', `缺少公共参数 ${name} (the common parameter ${name} is required)`),
  /** `builtIn`: the emulator knows the public development key (README): named, since a client given its cloud keys meets this first. */
  invalidAccessKeyId: (builtIn?: string) =>
    new ApiError(401, 'InvalidAccessKeyId', `AccessKeyId 不存在 (the AccessKeyId is not known${builtIn ? `: this emulator accepts ${builtIn}, its built-in development key` : ''})`),
  signatureMismatch: () => new ApiError(401, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH_TEXT),
  invalidCommonParameter: (name: string, why: string) => new ApiError(400, 'InvalidParameter', `公共参数 ${name} 无效: ${why}`),
  requestExpired: (why: string) => new ApiError(401, 'RequestExpired', `请求已过期 (${why})`),
  nonceUsed: (nonce: string) => new ApiError(401, 'SignatureNonceUsed', `SignatureNonce 已被使用 (the nonce "${nonce}" was used before)`),
  resourceNotFound: (id: string) => new ApiError(404, 'ResourceNotFound', `资源不存在: ${id}`),
  resourceInUse: (id: string, status: string) => new ApiError(409, 'ResourceInUse', `资源正在被其他任务占用，操作冲突: ${id} is ${status}`),
  notFound: (path: string) => new ApiError(404, 'NotFound', `no such path: ${path}`),
  tooLarge: (limit: number) => new ApiError(413, 'RequestEntityTooLarge', `请求体过大 (the body exceeds ${limit} bytes)`),
  internal: () => new ApiError(500, 'InternalError', '服务内部错误 (internal error)'),
  storageUnavailable: (why: string) =>
    new ApiError(503, 'StorageUnavailable', `存储不可用 (the state file cannot be written: ${why}); the call was not completed; read-only calls still answer, retry once it can be written again`),
  // Below the handlers: the HTTP framing itself.
  badRequest: (why: string) => new ApiError(400, 'BadRequest', `请求格式错误 (malformed HTTP request: ${why})`),
  methodNotAllowed: (method: string) => new ApiError(405, 'MethodNotAllowed', `不支持的请求方法 (method ${method.slice(0, 20)} is not supported)`),
  requestTimeout: () => new ApiError(408, 'RequestTimeout', '请求超时 (the request was not received in time)'),
  uriTooLong: (limit: number) => new ApiError(414, 'URITooLong', `请求 URL 过长 (the request line exceeds ${limit} bytes)`),
  unsupportedMediaType: (given: string) =>
    new ApiError(415, 'UnsupportedMediaType', `control-plane calls take Content-Type: application/json (got ${given ? `"${given.slice(0, 100)}"` : 'none'})`),
  headersTooLarge: (limit: number) => new ApiError(431, 'RequestHeaderFieldsTooLarge', `请求头过大 (the headers exceed ${limit} bytes)`),
  // A graceful stop (cli/serve.ts): calls still held after the grace, and calls arriving meanwhile.
  shuttingDown: () => new ApiError(503, 'ServiceShuttingDown', '服务正在停止 (the emulator is shutting down)'),
  // The control plane's guard (http/guards.ts).
  hostNotAllowed: (host: string) =>
    new ApiError(403, 'Forbidden', `the control plane answers only to the emulator's own address; Host "${host.slice(0, 200)}" is not one (DNS rebinding?)`),
  crossSite: (why: string) => new ApiError(403, 'CrossSiteRequestRefused', `the control plane refuses cross-site requests (${why.slice(0, 200)})`),
  adminTokenRequired: (given: boolean) =>
    new ApiError(401, 'AdminTokenRequired', given ? 'the admin token does not match --admin-token' : 'this emulator runs with --admin-token: send "Authorization: Bearer <token>"'),
  // The console's look into an instance's memcached (http/console.ts).
  noMemcached: (id: string, why: string) => new ApiError(409, 'NoMemcached', `实例没有可检查的 memcached: ${id} ${why}`),
  memcachedUnavailable: (why: string) => new ApiError(502, 'MemcachedUnavailable', `memcached 无法访问: ${why}`),
  memcachedRefused: (why: string) => new ApiError(502, 'MemcachedRefused', `memcached 拒绝了命令: ${why}`),
  notThisMemcached: (why: string) => new ApiError(409, 'NotThisMemcached', `实例地址上的 memcached 不是该实例的: ${why}`),
  // Proxy and replay modes (http/proxy.ts, http/replay.ts; docs/recording.md).
  upstreamUnavailable: (why: string) => new ApiError(502, 'UpstreamUnavailable', `上游不可用 (the upstream could not be reached: ${why})`),
  upstreamTimeout: (ms: number) => new ApiError(504, 'UpstreamTimeout', `上游超时 (the upstream did not answer within ${ms} ms)`),
  replayNoMatch: (why: string) => new ApiError(404, 'ReplayNoMatch', `没有匹配的录制 (no recording matches this call: ${why})`),
  // A reset whose fixtures folder no longer loads changes nothing.
  fixturesUnusable: (why: string) => new ApiError(409, 'FixturesUnusable', `the fixtures folder cannot be loaded, so nothing was reset: ${why}`),
};
