using System.Collections;
using System.Globalization;

namespace IbmiMcp.Configuration;

/// <summary>
/// Resolves <see cref="ServerOptions"/> from CLI flags &gt; process environment &gt; .env file
/// (MCP_SERVER_CONFIG, else ./.env). Every bad setting is reported by name with its reason; nothing silently
/// falls back to a default (the reference discards the whole environment on one bad value, its issue #77).
/// Empty values count as unset, so a copied .env.example with <c>DB2i_USER=</c> is fine.
/// </summary>
internal static class ConfigurationLoader
{
    public sealed record Result(ServerOptions Options, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings);

    public static Result Load(IReadOnlyDictionary<string, string> flags, IDictionary? environment = null, string? workingDirectory = null)
    {
        var exportDotEnv = environment is null;
        var errors = new List<string>();
        var warnings = new List<string>();
        environment ??= Environment.GetEnvironmentVariables();
        workingDirectory ??= Directory.GetCurrentDirectory();

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in environment)
            if (e.Key is string k && e.Value is string v)
                env[k] = v;

        // .env: MCP_SERVER_CONFIG names it explicitly (missing = error, not a silent fallback), else ./.env.
        string? envFilePath = null;
        Dictionary<string, string> fileValues = new(StringComparer.Ordinal);
        if (env.TryGetValue("MCP_SERVER_CONFIG", out var configured) && configured.Length > 0)
        {
            envFilePath = Path.GetFullPath(configured, workingDirectory);
            if (!File.Exists(envFilePath))
            {
                errors.Add($"MCP_SERVER_CONFIG: file '{envFilePath}' does not exist");
                envFilePath = null;
            }
        }
        else if (File.Exists(Path.Combine(workingDirectory, ".env")))
        {
            envFilePath = Path.Combine(workingDirectory, ".env");
        }
        if (envFilePath is not null)
        {
            try { fileValues = DotEnvFile.Parse(File.ReadAllText(envFilePath), envFilePath, errors); }
            catch (IOException ex) { errors.Add($"MCP_SERVER_CONFIG: cannot read '{envFilePath}': {ex.Message}"); }
            catch (UnauthorizedAccessException ex) { errors.Add($"MCP_SERVER_CONFIG: cannot read '{envFilePath}': {ex.Message}"); }
        }

        // As dotenv does for the reference: .env values the environment lacks become environment variables, so
        // ${VAR} in YAML tool files (DB2i_HOST, DB2i_USER, …) resolves the same whichever place set it.
        if (exportDotEnv)
            foreach (var (key, value) in fileValues)
                if (!env.ContainsKey(key))
                    Environment.SetEnvironmentVariable(key, value);

        var r = new Reader(flags, env, fileValues, errors);
        var o = new ServerOptions
        {
            EnvFilePath = envFilePath,
            ServerName = r.String("MCP_SERVER_NAME") ?? "ibmi-mcp",
            ServerVersion = r.String("MCP_SERVER_VERSION") ?? BuildInfo.Version,
            LogLevel = r.Enum("MCP_LOG_LEVEL", LogLevelSetting.Info, ("debug", LogLevelSetting.Debug), ("info", LogLevelSetting.Info),
                ("notice", LogLevelSetting.Notice), ("warning", LogLevelSetting.Warning), ("warn", LogLevelSetting.Warning),
                ("error", LogLevelSetting.Error), ("crit", LogLevelSetting.Crit), ("alert", LogLevelSetting.Alert), ("emerg", LogLevelSetting.Emerg)),
            Transport = r.Enum("MCP_TRANSPORT_TYPE", TransportKind.Stdio, ("stdio", TransportKind.Stdio), ("http", TransportKind.Http)),
            SessionMode = r.Enum("MCP_SESSION_MODE", SessionMode.Auto, ("auto", SessionMode.Auto), ("stateless", SessionMode.Stateless), ("stateful", SessionMode.Stateful)),
            HttpHost = r.String("MCP_HTTP_HOST") ?? "127.0.0.1",
            HttpPort = r.Int("MCP_HTTP_PORT", 3010, 0, 65535),
            HttpEndpointPath = r.Path("MCP_HTTP_ENDPOINT_PATH", "/mcp"),
            MaxRequestBodyBytes = r.Int("MCP_HTTP_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
            StatefulSessionStaleTimeoutMs = r.Int("MCP_STATEFUL_SESSION_STALE_TIMEOUT_MS", 1_800_000, 1000, int.MaxValue),
            CompletionTimeoutMs = r.Int("MCP_COMPLETION_TIMEOUT_MS", 2000, 100, 60_000),
            ResultMaxRows = r.Int("MCP_RESULT_MAX_ROWS", Tools.ResultBudget.Default.MaxRows, 1, 10_000),
            ResultMaxBytes = r.Int("MCP_RESULT_MAX_BYTES", Tools.ResultBudget.Default.MaxBytes, 1024, 16 * 1024 * 1024),
            ResultFormat = r.Enum("MCP_RESULT_FORMAT", Tools.ResponseFormat.Json, ("json", Tools.ResponseFormat.Json), ("csv", Tools.ResponseFormat.Csv),
                ("markdown", Tools.ResponseFormat.Markdown)),
            ResumableStreams = r.Bool("MCP_RESUMABLE_STREAMS", true),
            FastPath = r.Bool("MCP_FAST_PATH", true),
            SseEventRetentionSeconds = r.Int("MCP_SSE_EVENT_RETENTION_SECONDS", 600, 10, 86_400),
            SseEventStoreMaxBytes = r.Int("MCP_SSE_EVENT_STORE_MAX_BYTES", 32 * 1024 * 1024, 1024 * 1024, int.MaxValue),
            SseRetryMs = r.Int("MCP_SSE_RETRY_MS", 1000, 0, 600_000),
            SseResumePollMs = r.Int("MCP_SSE_RESUME_POLL_MS", 200, 10, 10_000),
            AllowedOrigins = r.List("MCP_ALLOWED_ORIGINS"),
            HttpsCertPath = r.ExistingFile("MCP_HTTPS_CERT_PATH"),
            HttpsKeyPath = r.ExistingFile("MCP_HTTPS_KEY_PATH"),
            TrustedProxies = r.List("MCP_TRUSTED_PROXIES"),

            AuthMode = r.Enum("MCP_AUTH_MODE", AuthMode.None, ("none", AuthMode.None), ("jwt", AuthMode.Jwt), ("oauth", AuthMode.OAuth), ("ibmi", AuthMode.Ibmi)),
            AuthSecretKey = r.String("MCP_AUTH_SECRET_KEY", secret: true),
            OAuthIssuerUrl = r.Url("OAUTH_ISSUER_URL"),
            OAuthAudience = r.String("OAUTH_AUDIENCE"),
            OAuthJwksUri = r.Url("OAUTH_JWKS_URI"),

            Db2iHost = r.String("DB2i_HOST"),
            Db2iUser = r.String("DB2i_USER"),
            Db2iPassword = r.String("DB2i_PASS", secret: true),
            Db2iPort = r.Int("DB2i_PORT", 8076, 1, 65535),
            Db2iIgnoreUnauthorized = r.Bool("DB2i_IGNORE_UNAUTHORIZED", true),
            Db2iCaPath = r.ExistingFile("DB2i_CA_PATH"),
            Db2iJdbcOptions = r.JdbcOptions("DB2i_JDBC_OPTIONS"),

            PoolIdleTimeoutMs = r.Int("MCP_POOL_IDLE_TIMEOUT_MS", 300_000, 0, int.MaxValue),
            PoolQueryTimeoutMs = r.Int("MCP_POOL_QUERY_TIMEOUT_MS", 30_000, 0, int.MaxValue),
            PoolAcquireTimeoutMs = r.Int("MCP_POOL_ACQUIRE_TIMEOUT_MS", 15_000, 1, int.MaxValue),
            MemoryTrimIntervalMs = r.Int("MCP_MEMORY_TRIM_INTERVAL_MS", 30_000, 0, int.MaxValue),
            PaginationDefaultPageSize = r.Int("IBMI_PAGINATION_DEFAULT_PAGE_SIZE", 1000, 1, 100_000),
            PaginationMaxRows = r.Int("IBMI_PAGINATION_MAX_ROWS", 30_000, 1, 10_000_000),

            ToolsYamlPath = r.String("TOOLS_YAML_PATH"),
            SelectedToolsets = r.List("SELECTED_TOOLSETS"),
            ListToolsets = flags.ContainsKey("--list-toolsets"),
            YamlAutoReload = r.Bool("YAML_AUTO_RELOAD", true),
            YamlMergeArrays = r.Bool("YAML_MERGE_ARRAYS", true),
            YamlAllowDuplicateTools = r.Bool("YAML_ALLOW_DUPLICATE_TOOLS", false),
            YamlAllowDuplicateSources = r.Bool("YAML_ALLOW_DUPLICATE_SOURCES", false),
            YamlValidateMerged = r.Bool("YAML_VALIDATE_MERGED", true),
            EnableDefaultTools = r.Bool("IBMI_ENABLE_DEFAULT_TOOLS", false),
            EnableExecuteSql = r.Bool("IBMI_ENABLE_EXECUTE_SQL", false),
            ExecuteSqlReadOnly = r.Bool("IBMI_EXECUTE_SQL_READONLY", true),

            HttpAuthEnabled = r.Bool("IBMI_HTTP_AUTH_ENABLED", false),
            AuthAllowHttp = r.Bool("IBMI_AUTH_ALLOW_HTTP", false),
            TokenExpirySeconds = r.Int("IBMI_AUTH_TOKEN_EXPIRY_SECONDS", 3600, 1, 86_400),
            CleanupIntervalSeconds = r.Int("IBMI_AUTH_CLEANUP_INTERVAL_SECONDS", 300, 1, 86_400),
            MaxConcurrentSessions = r.Int("IBMI_AUTH_MAX_CONCURRENT_SESSIONS", 100, 1, 100_000),
            AuthKeyId = r.String("IBMI_AUTH_KEY_ID"),
            AuthPrivateKeyPath = r.ExistingFile("IBMI_AUTH_PRIVATE_KEY_PATH"),
            AuthPublicKeyPath = r.ExistingFile("IBMI_AUTH_PUBLIC_KEY_PATH"),
            AuthRetiredKeysDir = r.ExistingDirectory("IBMI_AUTH_RETIRED_KEYS_DIR"),
            AuthAllowedHosts = r.List("IBMI_AUTH_ALLOWED_HOSTS"),
            SignOnMaxFailures = r.Int("IBMI_AUTH_MAX_FAILED_ATTEMPTS", 2, 1, 1000),
            SignOnLockoutSeconds = r.Int("IBMI_AUTH_LOCKOUT_SECONDS", 900, 1, 86_400),
            ReplayWindowSeconds = r.Int("IBMI_AUTH_REPLAY_WINDOW_SECONDS", 900, 10, 86_400),
            RequireIssuedAt = r.Bool("IBMI_AUTH_REQUIRE_ISSUED_AT", false),
            SessionStore = r.Enum("IBMI_AUTH_SESSION_STORE", SessionStoreKind.Memory, ("memory", SessionStoreKind.Memory), ("redis", SessionStoreKind.Redis), ("valkey", SessionStoreKind.Redis)),
            Redis = r.String("IBMI_AUTH_REDIS", secret: true),
            RedisPrefix = r.String("IBMI_AUTH_REDIS_PREFIX") ?? "ibmi-mcp:",
            RedisCaPath = r.ExistingFile("IBMI_AUTH_REDIS_CA_PATH"),
            SessionKeyPath = r.ExistingFile("IBMI_AUTH_SESSION_KEY_PATH"),
            RetiredSessionKeysDir = r.ExistingDirectory("IBMI_AUTH_RETIRED_SESSION_KEYS_DIR"),
            SessionCacheSeconds = r.Int("IBMI_AUTH_SESSION_CACHE_SECONDS", 5, 0, 300),

            OAuthServer = r.Bool("IBMI_AUTH_OAUTH_SERVER", false),
            PublicUrl = r.String("IBMI_PUBLIC_URL")?.TrimEnd('/'),
            OAuthCodeLifetimeSeconds = r.Int("IBMI_OAUTH_CODE_LIFETIME_SECONDS", 60, 1, 60),
            OAuthMaxGrantSeconds = r.Int("IBMI_OAUTH_MAX_GRANT_SECONDS", 7 * 86_400, 300, 90 * 86_400),
            OAuthClientsFile = r.ExistingFile("IBMI_OAUTH_CLIENTS_FILE"),
            OAuthRegistration = r.Bool("IBMI_OAUTH_REGISTRATION", true),
            OAuthRegistrationsPerHour = r.Int("IBMI_OAUTH_REGISTRATIONS_PER_HOUR", 20, 1, 100_000),
            OAuthMaxClients = r.Int("IBMI_OAUTH_MAX_CLIENTS", 10_000, 1, 1_000_000),
            OAuthClientMetadataDocuments = r.Bool("IBMI_OAUTH_CLIENT_METADATA_DOCUMENTS", true),
            OAuthMetadataAllowedHosts = r.List("IBMI_OAUTH_METADATA_ALLOWED_HOSTS"),

            AuditLog = r.String("MCP_AUDIT_LOG"),
            AuditMaxBytes = r.Int("MCP_AUDIT_MAX_BYTES", 10 * 1024 * 1024, 4096, int.MaxValue),
            AuditShowParameterValues = r.Bool("MCP_AUDIT_SHOW_PARAMETER_VALUES", false),
            MetricsEnabled = r.Bool("MCP_METRICS_ENABLED", false),
        };

        CrossCheck(o, errors, warnings);
        return new Result(o, errors, warnings);
    }

    private static void CrossCheck(ServerOptions o, List<string> errors, List<string> warnings)
    {
        if (o.HttpAuthEnabled)
        {
            if (o.AuthKeyId is null) errors.Add("IBMI_AUTH_KEY_ID: required when IBMI_HTTP_AUTH_ENABLED=true");
            if (o.AuthPrivateKeyPath is null) errors.Add("IBMI_AUTH_PRIVATE_KEY_PATH: required when IBMI_HTTP_AUTH_ENABLED=true");
            if (o.AuthPublicKeyPath is null) errors.Add("IBMI_AUTH_PUBLIC_KEY_PATH: required when IBMI_HTTP_AUTH_ENABLED=true");
        }
        if (o.AuthMode == AuthMode.Ibmi && !o.HttpAuthEnabled)
            errors.Add("MCP_AUTH_MODE: 'ibmi' needs IBMI_HTTP_AUTH_ENABLED=true, otherwise no token can ever be issued");
        if (o.AuthMode == AuthMode.Jwt && (o.AuthSecretKey is null || o.AuthSecretKey.Length < 32))
            errors.Add("MCP_AUTH_SECRET_KEY: required with MCP_AUTH_MODE=jwt and must be at least 32 characters");
        if (o.AuthMode == AuthMode.OAuth)
        {
            if (o.OAuthIssuerUrl is null) errors.Add("OAUTH_ISSUER_URL: required with MCP_AUTH_MODE=oauth");
            if (o.OAuthAudience is null) errors.Add("OAUTH_AUDIENCE: required with MCP_AUTH_MODE=oauth");
        }
        if (o.AuthMode != AuthMode.Ibmi && o.Db2iHost is not null)
        {
            // The server pool runs every tool as this account; half a configuration would fail at the first call.
            if (o.Db2iUser is null) errors.Add($"DB2i_USER: required when DB2i_HOST is set and MCP_AUTH_MODE={o.AuthMode.ToString().ToLowerInvariant()}");
            if (o.Db2iPassword is null) errors.Add($"DB2i_PASS: required when DB2i_HOST is set and MCP_AUTH_MODE={o.AuthMode.ToString().ToLowerInvariant()}");
        }
        if (o.OAuthServer)
        {
            if (o.AuthMode != AuthMode.Ibmi)
                errors.Add("IBMI_AUTH_OAUTH_SERVER: needs MCP_AUTH_MODE=ibmi (the tokens it hands out are IBM i sign-on sessions)");
            if (o.Transport != TransportKind.Http)
                errors.Add("IBMI_AUTH_OAUTH_SERVER: needs MCP_TRANSPORT_TYPE=http (clients sign in through the server's web pages)");
        }
        if (o.PublicUrl is not null)
        {
            if (!Uri.TryCreate(o.PublicUrl, UriKind.Absolute, out var publicUrl) || publicUrl.Scheme is not ("https" or "http")
                || publicUrl.Query.Length > 0 || publicUrl.Fragment.Length > 0 || publicUrl.UserInfo.Length > 0)
                errors.Add($"IBMI_PUBLIC_URL: '{o.PublicUrl}' is not an http(s) URL without query, fragment or user (e.g. https://mcp.example.com)");
            else if (o.OAuthServer && publicUrl is { Scheme: "http", IsLoopback: false } && !o.AuthAllowHttp)
                errors.Add($"IBMI_PUBLIC_URL: '{o.PublicUrl}' is plain http on a non-loopback host; the sign-in page and its tokens need https (or IBMI_AUTH_ALLOW_HTTP=true on a test bed)");
        }
        if (o.SessionStore == SessionStoreKind.Redis)
        {
            if (!o.HttpAuthEnabled)
                errors.Add("IBMI_AUTH_SESSION_STORE: 'redis' shares IBM i sign-on sessions between replicas; it needs IBMI_HTTP_AUTH_ENABLED=true");
            if (o.Redis is null)
                errors.Add("IBMI_AUTH_REDIS: required with IBMI_AUTH_SESSION_STORE=redis (a StackExchange.Redis configuration such as 'redis1:6379,redis2:6379,password=…,ssl=true')");
            if (o.SessionKeyPath is null)
                errors.Add("IBMI_AUTH_SESSION_KEY_PATH: required with IBMI_AUTH_SESSION_STORE=redis (create one with: ibmi-mcp keygen --session-key secrets/session.key)");
        }
        else
        {
            if (o.Redis is not null)
                errors.Add("IBMI_AUTH_REDIS: set, but IBMI_AUTH_SESSION_STORE=memory ignores it; set IBMI_AUTH_SESSION_STORE=redis or remove IBMI_AUTH_REDIS");
            if (o.SessionKeyPath is not null)
                errors.Add("IBMI_AUTH_SESSION_KEY_PATH: set, but only IBMI_AUTH_SESSION_STORE=redis seals sessions; set IBMI_AUTH_SESSION_STORE=redis or remove it");
            if (o.RedisCaPath is not null)
                errors.Add("IBMI_AUTH_REDIS_CA_PATH: set, but IBMI_AUTH_SESSION_STORE=memory uses no Redis; set IBMI_AUTH_SESSION_STORE=redis or remove it");
        }
        if (o.RedisPrefix.AsSpan().IndexOfAny(" \t\r\n") >= 0)
            errors.Add($"IBMI_AUTH_REDIS_PREFIX: '{o.RedisPrefix}' must not contain white space");
        if ((o.HttpsCertPath is null) != (o.HttpsKeyPath is null))
            errors.Add("MCP_HTTPS_CERT_PATH / MCP_HTTPS_KEY_PATH: set both (PEM certificate and key) or neither");
        if (o.Db2iCaPath is not null && o.Db2iIgnoreUnauthorized)
            warnings.Add("DB2i_CA_PATH is set but DB2i_IGNORE_UNAUTHORIZED=true disables certificate checks; set it to false to use the CA");
        if (o.PaginationDefaultPageSize > o.PaginationMaxRows)
            errors.Add($"IBMI_PAGINATION_DEFAULT_PAGE_SIZE: {o.PaginationDefaultPageSize} exceeds IBMI_PAGINATION_MAX_ROWS ({o.PaginationMaxRows})");
        if (!Http.HttpServer.IsValidHost(o.HttpHost))
            errors.Add($"MCP_HTTP_HOST: '{o.HttpHost}' is not an IP address or 'localhost'");
        if (o.ListToolsets && o.ToolsYamlPath is null)
            errors.Add("--list-toolsets: needs --tools PATH or TOOLS_YAML_PATH");
    }

    /// <summary>Looks a setting up in order and records precise errors; one instance per load.</summary>
    private sealed class Reader(IReadOnlyDictionary<string, string> flags, Dictionary<string, string> env,
        Dictionary<string, string> file, List<string> errors)
    {
        private string? Raw(string name)
        {
            if (flags.TryGetValue(name, out var v) || env.TryGetValue(name, out v) || file.TryGetValue(name, out v))
                return v.Trim().Length == 0 ? null : v.Trim();
            return null;
        }

        public string? String(string name, bool secret = false)
        {
            if (!secret) return Raw(name);
            // Secrets keep inner/outer spaces: a password may legitimately end with one.
            if (flags.TryGetValue(name, out var v) || env.TryGetValue(name, out v) || file.TryGetValue(name, out v))
                return v.Length == 0 ? null : v;
            return null;
        }

        public bool Bool(string name, bool fallback)
        {
            var v = Raw(name);
            if (v is null) return fallback;
            switch (v.ToLowerInvariant())
            {
                case "true" or "1" or "yes" or "on": return true;
                case "false" or "0" or "no" or "off": return false;
                default:
                    errors.Add($"{name}: '{v}' is not a boolean (use true or false)");
                    return fallback;
            }
        }

        public int Int(string name, int fallback, int min, int max)
        {
            var v = Raw(name);
            if (v is null) return fallback;
            if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                errors.Add($"{name}: '{v}' is not an integer");
                return fallback;
            }
            if (n < min || n > max)
            {
                errors.Add($"{name}: {n} is out of range ({min}..{max})");
                return fallback;
            }
            return n;
        }

        public T Enum<T>(string name, T fallback, params (string Text, T Value)[] choices)
        {
            var v = Raw(name);
            if (v is null) return fallback;
            foreach (var (text, value) in choices)
                if (string.Equals(text, v, StringComparison.OrdinalIgnoreCase))
                    return value;
            var allowed = new List<string>();
            foreach (var (text, _) in choices) allowed.Add(text);
            errors.Add($"{name}: '{v}' is not one of {string.Join(", ", allowed)}");
            return fallback;
        }

        public IReadOnlyList<string> List(string name)
        {
            var v = Raw(name);
            if (v is null) return [];
            var items = new List<string>();
            foreach (var part in v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                items.Add(part);
            return items;
        }

        public string Path(string name, string fallback)
        {
            var v = Raw(name);
            if (v is null) return fallback;
            if (v[0] != '/' || v.Contains('?') || v.Contains('#') || v.Contains(' '))
            {
                errors.Add($"{name}: '{v}' must be an absolute URL path such as /mcp");
                return fallback;
            }
            return v.Length > 1 ? v.TrimEnd('/') : v;
        }

        public string? Url(string name)
        {
            var v = Raw(name);
            if (v is null) return null;
            if (!Uri.TryCreate(v, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
            {
                errors.Add($"{name}: '{v}' is not an http(s) URL");
                return null;
            }
            return v;
        }

        public string? ExistingFile(string name)
        {
            var v = Raw(name);
            if (v is null) return null;
            var full = System.IO.Path.GetFullPath(v);
            if (!File.Exists(full))
            {
                errors.Add($"{name}: file '{full}' does not exist");
                return null;
            }
            return full;
        }

        public string? ExistingDirectory(string name)
        {
            var v = Raw(name);
            if (v is null) return null;
            var full = System.IO.Path.GetFullPath(v);
            if (!Directory.Exists(full))
            {
                errors.Add($"{name}: directory '{full}' does not exist");
                return null;
            }
            return full;
        }

        /// <summary>k=v;k=v (spec upstream §4.2): first '=' splits, trimmed, empty segments ignored.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> JdbcOptions(string name)
        {
            var v = Raw(name);
            if (v is null) return [];
            var pairs = new List<KeyValuePair<string, string>>();
            foreach (var segment in v.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var eq = segment.IndexOf('=');
                if (eq <= 0 || segment[..eq].Trim().Length == 0)
                {
                    errors.Add($"{name}: malformed pair \"{segment}\" — expected key=value");
                    continue;
                }
                pairs.Add(new(segment[..eq].Trim(), segment[(eq + 1)..].Trim()));
            }
            return pairs;
        }
    }
}
