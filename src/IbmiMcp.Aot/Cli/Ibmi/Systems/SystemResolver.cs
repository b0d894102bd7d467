using IbmiMcp.Configuration;

namespace IbmiMcp.Cli.Ibmi.Systems;

/// <summary>
/// Which systems a command talks to, in the reference CLI's order: <c>--system a[,b…]</c>, then <c>IBMI_SYSTEM</c>, then the
/// config's <c>default</c>, then the only configured system, then — zero config — the server's own settings
/// (<c>DB2i_HOST</c>, <c>DB2i_USER</c>, <c>DB2i_PASS</c>, <c>DB2i_PORT</c>, <c>DB2i_CA_PATH</c>, <c>DB2i_IGNORE_UNAUTHORIZED</c>, from the
/// environment or <c>.env</c> as <c>ibmi-mcp</c> itself reads them), as a system named <c>env</c>.
/// </summary>
internal sealed class SystemResolver(CliConfig config, Func<string, string?> env, string workingDirectory)
{
    public const string EnvironmentSystem = "env";

    public IReadOnlyList<CliSystem> Resolve(string? requested)
    {
        requested ??= env("IBMI_SYSTEM");
        if (!string.IsNullOrWhiteSpace(requested))
        {
            var names = requested.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var systems = new List<CliSystem>(names.Length);
            foreach (var name in names)
            {
                if (config.Systems.TryGetValue(name, out var system))
                    systems.Add(system);
                else if (name == EnvironmentSystem && FromEnvironment() is { } fallback)
                    systems.Add(fallback);
                else
                    throw CliException.Unknown($"unknown system '{name}' (configured: {Known()}); add it with: ibmi system add {name} --host HOST --user USER");
            }
            return systems;
        }
        if (config.Default is { } name2)
            return config.Systems.TryGetValue(name2, out var d) ? [d]
                : throw CliException.Unknown($"the default system '{name2}' is not configured (configured: {Known()})");
        if (config.Systems.Count == 1)
            return [config.Systems.Values.First()];
        if (config.Systems.Count > 1)
            throw CliException.Usage($"several systems are configured ({Known()}) and none is the default: pass --system NAME or run: ibmi system default NAME");
        return FromEnvironment() is { } system2 ? [system2]
            : throw CliException.Usage("no IBM i system is configured: run `ibmi system add NAME --host HOST --user USER --password '${VAR}'`, or set DB2i_HOST, DB2i_USER and DB2i_PASS (environment or .env)");
    }

    private string Known() => config.Systems.Count == 0 ? "none" : string.Join(", ", config.Systems.Keys);

    /// <summary>The DB2i_* settings as a system, or null when DB2i_HOST is not set.</summary>
    private CliSystem? FromEnvironment()
    {
        var loaded = ConfigurationLoader.Load(new Dictionary<string, string>(), workingDirectory: workingDirectory);
        var o = loaded.Options;
        if (string.IsNullOrWhiteSpace(o.Db2iHost))
            return null;
        var db2iProblems = loaded.Errors.Where(e => e.StartsWith("DB2i_", StringComparison.Ordinal)).ToList();
        if (db2iProblems.Count > 0)
            throw CliException.Usage(string.Join("; ", db2iProblems));
        return new CliSystem
        {
            Name = EnvironmentSystem,
            Host = o.Db2iHost!,
            Port = o.Db2iPort,
            User = o.Db2iUser ?? "",
            Password = o.Db2iPassword,   // in memory only: the environment system is never saved
            IgnoreUnauthorized = o.Db2iIgnoreUnauthorized,
            CaPath = o.Db2iCaPath,
            MaxRows = 5000,
            Timeout = o.PoolQueryTimeoutMs > 0 ? Math.Max(1, o.PoolQueryTimeoutMs / 1000) : 60,
            Tools = string.IsNullOrWhiteSpace(o.ToolsYamlPath) ? [] : [o.ToolsYamlPath!],
        };
    }
}
