using System.Diagnostics;
using System.Globalization;
using IbmiMcp.Cli.Ibmi.Output;
using IbmiMcp.Cli.Ibmi.Systems;

namespace IbmiMcp.Cli.Ibmi.Verbs;

/// <summary>
/// <c>system add|list|show|remove|default|test|config-path</c>. <c>add</c> writes the user's config (or the project's with
/// <c>--project</c>) and never a password in clear: <c>--password</c> takes only a <c>${VAR}</c> reference, and without one
/// the password is asked on the terminal at each use.
/// </summary>
internal static class SystemVerb
{
    public static readonly CliOption[] Options =
    [
        new("host", "HOST", "IBM i host name"), new("port", "N", "Mapepire port (default 8076)"), new("user", "USER", "IBM i user"),
        new("password", "'${VAR}'", "a reference to an environment variable holding the password (never the password)"),
        new("description", "TEXT", "what the system is"), new("default-schema", "SCHEMA", "schema for unqualified names"),
        new("ca-path", "FILE", "CA or certificate to pin"), new("max-rows", "N", "row cap per statement"), new("timeout", "SECONDS", "connect timeout"),
        new("read-only", null, "refuse statements that change data on this system"), new("verify-tls", null, "verify the certificate"),
        new("project", null, "write the project's .ibmi/config.yaml instead of the user's"), new("all", null, "(test) every system"),
    ];

    public static async Task<int> RunAsync(CliContext ctx, CliOutput output)
    {
        var a = ctx.Args;
        var sub = a.Positionals.Count > 1 ? a.Positionals[1] : "list";
        var name = a.Positionals.Count > 2 ? a.Positionals[2] : null;
        switch (sub)
        {
            case "list":
                var list = new CliTable { Command = "system list" };
                list.AddColumn("NAME");
                list.AddColumn("HOST");
                list.AddColumn("PORT", numeric: true);
                list.AddColumn("USER");
                list.AddColumn("DEFAULT");
                list.AddColumn("READ_ONLY");
                list.AddColumn("DESCRIPTION");
                foreach (var s in ctx.Config.Systems.Values)
                    list.AddRow(s.Name, s.Host, s.Port.ToString(CultureInfo.InvariantCulture), s.User, s.Name == ctx.Config.Default ? "yes" : "",
                        s.ReadOnly ? "yes" : "no", s.Description);
                if (ctx.Config.Systems.Count == 0)
                    list.Text = "No systems configured. Add one: ibmi system add NAME --host HOST --user USER --password '${VAR}'";
                output.Write(list);
                return ExitCodes.Success;

            case "show":
                var shown = Find(ctx, name, "show");
                var show = new CliTable { Command = "system show" };
                show.AddColumn("KEY");
                show.AddColumn("VALUE");
                show.AddRow("name", shown.Name);
                show.AddRow("host", shown.Host);
                show.AddRow("port", shown.Port.ToString(CultureInfo.InvariantCulture));
                show.AddRow("user", shown.User);
                show.AddRow("password", shown.Password is null ? "(asked on the terminal)" : shown.Password);
                show.AddRow("readOnly", shown.ReadOnly ? "true" : "false");
                show.AddRow("maxRows", shown.MaxRows.ToString(CultureInfo.InvariantCulture));
                show.AddRow("timeout", shown.Timeout.ToString(CultureInfo.InvariantCulture));
                show.AddRow("tls", shown.CaPath is not null ? "pinned to " + shown.CaPath : shown.IgnoreUnauthorized ? "any certificate (ignoreUnauthorized)" : "verified, trusted on first use");
                show.AddRow("defaultSchema", shown.DefaultSchema);
                show.AddRow("tools", string.Join(", ", shown.Tools));
                show.AddRow("source", shown.Source);
                output.Write(show);
                return ExitCodes.Success;

            case "add":
                return Add(ctx, output, name ?? throw CliException.Usage("usage: ibmi system add NAME --host HOST --user USER [--password '${VAR}']"));

            case "remove" or "default":
                var path = WritablePath(ctx);
                var file = CliConfig.LoadFile(path);
                if (name is null || !file.Systems.ContainsKey(name))
                    throw CliException.Unknown($"no system '{name}' in {path} (systems there: {(file.Systems.Count == 0 ? "none" : string.Join(", ", file.Systems.Keys))})");
                if (sub == "remove")
                {
                    file.Systems.Remove(name);
                    if (file.Default == name) file.Default = null;
                }
                else
                {
                    file.Default = name;
                }
                file.Save(path);
                output.Write(Message(sub == "remove" ? $"System '{name}' removed from {path}." : $"'{name}' is the default system ({path})."));
                return ExitCodes.Success;

            case "test":
                var targets = a.Flag("all") ? ctx.Config.Systems.Values.ToList() : name is not null ? [Find(ctx, name, "test")] : ctx.Systems().ToList();
                SystemRun.BeforeConnecting(targets);
                var results = await Task.WhenAll(targets.Select(async s =>
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        await using var connection = await SystemRun.OpenAsync(ctx, s).ConfigureAwait(false);
                        return (System: s, Ms: connection.ConnectTime.TotalMilliseconds, Error: (CliException?)null);
                    }
                    catch (CliException ex)
                    {
                        return (System: s, Ms: Stopwatch.GetElapsedTime(started).TotalMilliseconds, Error: ex);
                    }
                })).ConfigureAwait(false);
                var test = new CliTable { Command = "system test" };
                test.AddColumn("SYSTEM");
                test.AddColumn("HOST");
                test.AddColumn("STATUS");
                test.AddColumn("CONNECT_MS", numeric: true);
                foreach (var (s, ms, error) in results)
                    test.AddRow(s.Name, s.Host, error is null ? "ok" : error.Message, ms.ToString("0", CultureInfo.InvariantCulture));
                output.Write(test);
                return results.FirstOrDefault(r => r.Error is not null).Error?.ExitCode ?? ExitCodes.Success;

            case "config-path":
                var paths = new CliTable { Command = "system config-path" };
                paths.AddColumn("SCOPE");
                paths.AddColumn("PATH");
                paths.AddColumn("EXISTS");
                var user = CliConfig.UserPath(ctx.Env);
                paths.AddRow("user", user, File.Exists(user) ? "yes" : "no");
                var project = CliConfig.ProjectPath(ctx.WorkingDirectory);
                paths.AddRow("project", project ?? Path.Combine(ctx.WorkingDirectory, ".ibmi", "config.yaml"), project is null ? "no" : "yes");
                output.Write(paths);
                return ExitCodes.Success;

            default:
                throw CliException.Usage($"unknown 'system {sub}' (expected add, list, show, remove, default, test, config-path)");
        }
    }

    private static int Add(CliContext ctx, CliOutput output, string name)
    {
        var a = ctx.Args;
        var host = a.Value("host") ?? throw CliException.Usage("system add needs --host HOST");
        var user = a.Value("user") ?? throw CliException.Usage("system add needs --user USER");
        var password = a.Value("password");
        if (password is not null && !IsReference(password))
            throw CliException.Usage("system add writes no password in clear: pass --password '${VAR}' (an environment variable that holds it, quoted so the shell keeps it), or leave it out to be asked on the terminal at each use");
        var system = new CliSystem
        {
            Name = name,
            Host = host,
            User = user,
            Port = a.Number("port", Mapepire.MapepireEndpoint.DefaultPort, 1, 65535),
            Password = password,
            Description = a.Value("description"),
            DefaultSchema = a.Value("default-schema"),
            ReadOnly = a.Flag("read-only"),
            IgnoreUnauthorized = !a.Flag("verify-tls") && a.Value("ca-path") is null,
            CaPath = a.Value("ca-path") is { } ca ? Path.GetFullPath(ca, ctx.WorkingDirectory) : null,
            MaxRows = a.Number("max-rows", 5000),
            Timeout = a.Number("timeout", 60, 1, 86_400),
        };
        var path = WritablePath(ctx);
        var file = CliConfig.LoadFile(path);
        var replaced = file.Systems.ContainsKey(name);
        file.Systems[name] = system;
        file.Save(path);
        output.Write(Message($"System '{name}' {(replaced ? "updated" : "added")} in {path}."));
        return ExitCodes.Success;
    }

    /// <summary>The project's config with --project (created at ./.ibmi/config.yaml), else the user's.</summary>
    private static string WritablePath(CliContext ctx) => ctx.Args.Flag("project")
        ? CliConfig.ProjectPath(ctx.WorkingDirectory) ?? Path.Combine(ctx.WorkingDirectory, ".ibmi", "config.yaml")
        : CliConfig.UserPath(ctx.Env);

    private static bool IsReference(string password)
    {
        var t = password.Trim();
        return t.StartsWith("${", StringComparison.Ordinal) && t.EndsWith('}') && t.IndexOf('}') == t.Length - 1 && t.Length > 3;
    }

    private static CliSystem Find(CliContext ctx, string? name, string verb)
        => name is not null && ctx.Config.Systems.TryGetValue(name, out var s) ? s
            : throw CliException.Unknown($"usage: ibmi system {verb} NAME (systems: {(ctx.Config.Systems.Count == 0 ? "none" : string.Join(", ", ctx.Config.Systems.Keys))})");

    private static CliTable Message(string text)
    {
        var table = new CliTable { Command = "system", Text = text };
        table.AddColumn("MESSAGE");
        table.AddRow(text);
        return table;
    }
}
