namespace IbmiMcp.Configuration;

/// <summary>
/// Every setting of the server, resolved once at start from CLI flags &gt; process environment &gt; .env file
/// (see <see cref="ConfigurationLoader"/>). Immutable: components receive it and never re-read the environment.
/// Names in comments are the environment variables (the reference server's names where it has one).
/// </summary>
internal sealed class ServerOptions
{
    // ── Server ────────────────────────────────────────────────────────────────
    public string ServerName { get; init; } = "ibmi-mcp";                 // MCP_SERVER_NAME
    public string ServerVersion { get; init; } = BuildInfo.Version;       // MCP_SERVER_VERSION
    public LogLevelSetting LogLevel { get; init; } = LogLevelSetting.Info; // MCP_LOG_LEVEL
    public TransportKind Transport { get; init; } = TransportKind.Stdio;  // MCP_TRANSPORT_TYPE, --transport
    public SessionMode SessionMode { get; init; } = SessionMode.Auto;     // MCP_SESSION_MODE
    public string HttpHost { get; init; } = "127.0.0.1";                  // MCP_HTTP_HOST, --host
    public int HttpPort { get; init; } = 3010;                            // MCP_HTTP_PORT, --port (0 = ephemeral)
    public string HttpEndpointPath { get; init; } = "/mcp";               // MCP_HTTP_ENDPOINT_PATH
    public long MaxRequestBodyBytes { get; init; } = 1024 * 1024;         // MCP_HTTP_MAX_BODY_BYTES
    public int StatefulSessionStaleTimeoutMs { get; init; } = 1_800_000;  // MCP_STATEFUL_SESSION_STALE_TIMEOUT_MS
    public int CompletionTimeoutMs { get; init; } = 2000;
    public int ResultMaxRows { get; init; } = Tools.ResultBudget.Default.MaxRows;    // MCP_RESULT_MAX_ROWS
    public int ResultMaxBytes { get; init; } = Tools.ResultBudget.Default.MaxBytes;  // MCP_RESULT_MAX_BYTES
    public Tools.ResponseFormat ResultFormat { get; init; } = Tools.ResponseFormat.Json;  // MCP_RESULT_FORMAT
    public bool ResumableStreams { get; init; } = true;                   // MCP_RESUMABLE_STREAMS
    public bool FastPath { get; init; } = true;                           // MCP_FAST_PATH (false: every request through the SDK path)
    public int SseEventRetentionSeconds { get; init; } = 600;            // MCP_SSE_EVENT_RETENTION_SECONDS
    public long SseEventStoreMaxBytes { get; init; } = 32L * 1024 * 1024; // MCP_SSE_EVENT_STORE_MAX_BYTES (memory store)
    public int SseRetryMs { get; init; } = 1000;                          // MCP_SSE_RETRY_MS (SSE retry: on priming events)
    public int SseResumePollMs { get; init; } = 200;                      // MCP_SSE_RESUME_POLL_MS (resumed streams look for new events)                 // MCP_COMPLETION_TIMEOUT_MS (catalog lookups for completion/complete)
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];      // MCP_ALLOWED_ORIGINS (loopback always allowed)
    public string? HttpsCertPath { get; init; }                           // MCP_HTTPS_CERT_PATH (PEM)
    public string? HttpsKeyPath { get; init; }                            // MCP_HTTPS_KEY_PATH (PEM)
    public IReadOnlyList<string> TrustedProxies { get; init; } = [];      // MCP_TRUSTED_PROXIES (IPs whose X-Forwarded-* are believed)

    // ── MCP auth mode ─────────────────────────────────────────────────────────
    public AuthMode AuthMode { get; init; } = AuthMode.None;              // MCP_AUTH_MODE
    public string? AuthSecretKey { get; init; }                           // MCP_AUTH_SECRET_KEY (jwt, ≥ 32 chars)
    public string? OAuthIssuerUrl { get; init; }                          // OAUTH_ISSUER_URL
    public string? OAuthAudience { get; init; }                           // OAUTH_AUDIENCE
    public string? OAuthJwksUri { get; init; }                            // OAUTH_JWKS_URI (default issuer + /.well-known/jwks.json)

    // ── Db2 for i (server pool, defaults for token pools) ────────────────────
    public string? Db2iHost { get; init; }                                // DB2i_HOST
    public string? Db2iUser { get; init; }                                // DB2i_USER
    public string? Db2iPassword { get; init; }                            // DB2i_PASS (never logged)
    public int Db2iPort { get; init; } = 8076;                            // DB2i_PORT
    public bool Db2iIgnoreUnauthorized { get; init; } = true;             // DB2i_IGNORE_UNAUTHORIZED
    public string? Db2iCaPath { get; init; }                              // DB2i_CA_PATH (pinned CA or certificate, PEM/DER)
    public IReadOnlyList<KeyValuePair<string, string>> Db2iJdbcOptions { get; init; } = []; // DB2i_JDBC_OPTIONS k=v;k=v

    // ── Pools ─────────────────────────────────────────────────────────────────
    public int PoolIdleTimeoutMs { get; init; } = 300_000;                // MCP_POOL_IDLE_TIMEOUT_MS (0 = never)
    public int PoolQueryTimeoutMs { get; init; } = 30_000;                // MCP_POOL_QUERY_TIMEOUT_MS (0 = none)
    public int PoolAcquireTimeoutMs { get; init; } = 15_000;              // MCP_POOL_ACQUIRE_TIMEOUT_MS
    public int MemoryTrimIntervalMs { get; init; } = 30_000;              // MCP_MEMORY_TRIM_INTERVAL_MS (0 = never; Memory/IdleMemoryTrimmer)
    public int PaginationDefaultPageSize { get; init; } = 1000;           // IBMI_PAGINATION_DEFAULT_PAGE_SIZE
    public int PaginationMaxRows { get; init; } = 30_000;                 // IBMI_PAGINATION_MAX_ROWS

    // ── YAML tools ───────────────────────────────────────────────────────────
    public string? ToolsYamlPath { get; init; }                           // TOOLS_YAML_PATH, --tools
    public IReadOnlyList<string> SelectedToolsets { get; init; } = [];    // SELECTED_TOOLSETS, --toolsets
    public bool ListToolsets { get; init; }                               // --list-toolsets
    public bool YamlAutoReload { get; init; } = true;                     // YAML_AUTO_RELOAD
    public bool YamlMergeArrays { get; init; } = true;                    // YAML_MERGE_ARRAYS
    public bool YamlAllowDuplicateTools { get; init; }                    // YAML_ALLOW_DUPLICATE_TOOLS
    public bool YamlAllowDuplicateSources { get; init; }                  // YAML_ALLOW_DUPLICATE_SOURCES
    public bool YamlValidateMerged { get; init; } = true;                 // YAML_VALIDATE_MERGED
    public bool EnableDefaultTools { get; init; }                         // IBMI_ENABLE_DEFAULT_TOOLS, --builtin-tools
    public bool EnableExecuteSql { get; init; }                           // IBMI_ENABLE_EXECUTE_SQL, --execute-sql
    public bool ExecuteSqlReadOnly { get; init; } = true;                 // IBMI_EXECUTE_SQL_READONLY

    // ── IBM i HTTP authentication ────────────────────────────────────────────
    public bool HttpAuthEnabled { get; init; }                            // IBMI_HTTP_AUTH_ENABLED
    public bool AuthAllowHttp { get; init; }                              // IBMI_AUTH_ALLOW_HTTP
    public int TokenExpirySeconds { get; init; } = 3600;                  // IBMI_AUTH_TOKEN_EXPIRY_SECONDS
    public int CleanupIntervalSeconds { get; init; } = 300;               // IBMI_AUTH_CLEANUP_INTERVAL_SECONDS
    public int MaxConcurrentSessions { get; init; } = 100;                // IBMI_AUTH_MAX_CONCURRENT_SESSIONS
    public string? AuthKeyId { get; init; }                               // IBMI_AUTH_KEY_ID
    public string? AuthPrivateKeyPath { get; init; }                      // IBMI_AUTH_PRIVATE_KEY_PATH
    public string? AuthPublicKeyPath { get; init; }                       // IBMI_AUTH_PUBLIC_KEY_PATH
    public string? AuthRetiredKeysDir { get; init; }                      // IBMI_AUTH_RETIRED_KEYS_DIR (<keyId>.pem accepted for decryption)
    public IReadOnlyList<string> AuthAllowedHosts { get; init; } = [];    // IBMI_AUTH_ALLOWED_HOSTS (default: DB2i_HOST)
    public int SignOnMaxFailures { get; init; } = 2;                      // IBMI_AUTH_MAX_FAILED_ATTEMPTS (per user and per client address)
    public int SignOnLockoutSeconds { get; init; } = 900;                 // IBMI_AUTH_LOCKOUT_SECONDS
    public int ReplayWindowSeconds { get; init; } = 900;                  // IBMI_AUTH_REPLAY_WINDOW_SECONDS (envelope replay window)
    public bool RequireIssuedAt { get; init; }                            // IBMI_AUTH_REQUIRE_ISSUED_AT (refuse envelopes without iat)

    // ── OAuth authorization server (docs/oauth-server.md) ────────────────────
    public bool OAuthServer { get; init; }                                // IBMI_AUTH_OAUTH_SERVER (the server signs MCP clients in by URL)
    public string? PublicUrl { get; init; }                               // IBMI_PUBLIC_URL (issuer and resource base behind a proxy)
    public int OAuthCodeLifetimeSeconds { get; init; } = 60;              // IBMI_OAUTH_CODE_LIFETIME_SECONDS (1–60)
    public int OAuthMaxGrantSeconds { get; init; } = 7 * 86_400;          // IBMI_OAUTH_MAX_GRANT_SECONDS (refresh ends there; sign in again)
    public string? OAuthClientsFile { get; init; }                        // IBMI_OAUTH_CLIENTS_FILE (operator-registered clients, JSON)
    public bool OAuthRegistration { get; init; } = true;                  // IBMI_OAUTH_REGISTRATION (Dynamic Client Registration, RFC 7591)
    public int OAuthRegistrationsPerHour { get; init; } = 20;             // IBMI_OAUTH_REGISTRATIONS_PER_HOUR (per client address)
    public int OAuthMaxClients { get; init; } = 10_000;                   // IBMI_OAUTH_MAX_CLIENTS (dynamically registered, in all)
    public bool OAuthClientMetadataDocuments { get; init; } = true;       // IBMI_OAUTH_CLIENT_METADATA_DOCUMENTS (https client_id URLs)
    public IReadOnlyList<string> OAuthMetadataAllowedHosts { get; init; } = []; // IBMI_OAUTH_METADATA_ALLOWED_HOSTS (fetchable although private)

    // ── Session store (docs/scale-out.md) ────────────────────────────────────
    public SessionStoreKind SessionStore { get; init; } = SessionStoreKind.Memory; // IBMI_AUTH_SESSION_STORE
    public string? Redis { get; init; }                                   // IBMI_AUTH_REDIS (StackExchange.Redis configuration; never logged)
    public string RedisPrefix { get; init; } = "ibmi-mcp:";               // IBMI_AUTH_REDIS_PREFIX
    public string? RedisCaPath { get; init; }                             // IBMI_AUTH_REDIS_CA_PATH (trust this CA for Redis TLS)
    public string? SessionKeyPath { get; init; }                          // IBMI_AUTH_SESSION_KEY_PATH (32 bytes, 0600)
    public string? RetiredSessionKeysDir { get; init; }                   // IBMI_AUTH_RETIRED_SESSION_KEYS_DIR
    public int SessionCacheSeconds { get; init; } = 5;                    // IBMI_AUTH_SESSION_CACHE_SECONDS (staleness bound of a replica's cache)

    // ── Audit and metrics ────────────────────────────────────────────────────
    public string? AuditLog { get; init; }                                // MCP_AUDIT_LOG: file path | "stderr" | unset = off
    public long AuditMaxBytes { get; init; } = 10 * 1024 * 1024;          // MCP_AUDIT_MAX_BYTES (rotation size)
    public bool AuditShowParameterValues { get; init; }                   // MCP_AUDIT_SHOW_PARAMETER_VALUES
    public bool MetricsEnabled { get; init; }                             // MCP_METRICS_ENABLED (GET /metrics)

    /// <summary>Where the .env file came from, for the banner; null when none was read.</summary>
    public string? EnvFilePath { get; init; }

    public bool ServerPoolConfigured => !string.IsNullOrEmpty(Db2iHost) && !string.IsNullOrEmpty(Db2iUser) && Db2iPassword is not null;
    public bool HttpsEnabled => HttpsCertPath is not null;
}

internal enum TransportKind { Stdio, Http }
internal enum SessionMode { Auto, Stateless, Stateful }
internal enum AuthMode { None, Jwt, OAuth, Ibmi }
internal enum SessionStoreKind { Memory, Redis }
internal enum LogLevelSetting { Debug, Info, Notice, Warning, Error, Crit, Alert, Emerg }
