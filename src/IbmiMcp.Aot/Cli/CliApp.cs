using IbmiMcp.Cli.Ibmi;
using IbmiMcp.Configuration;

namespace IbmiMcp.Cli;

/// <summary>
/// Every verb of the binary, in one table, and the dispatch to them: the server's verbs (serve — the default —, token,
/// keygen, healthcheck, tools validate) and the IBM i command line's (sql, describe, …, also reached through an
/// <c>ibmi</c> link to the binary). Each verb parses with <see cref="CliArguments"/>, prints help with <see cref="CliHelp"/>
/// and exits with <see cref="ExitCodes"/>; the work itself is in Auth, Tools and Mapepire.
/// </summary>
internal static class CliApp
{
    /// <summary>The server's flags; each names the setting it overrides (flags win over the environment and .env).</summary>
    private static readonly (CliOption Option, string Setting)[] ServeFlags =
    [
        (new("transport", "http|stdio", "MCP transport (MCP_TRANSPORT_TYPE, default stdio)", "-t"), "MCP_TRANSPORT_TYPE"),
        (new("host", "ADDRESS", "bind address (MCP_HTTP_HOST, default 127.0.0.1)"), "MCP_HTTP_HOST"),
        (new("port", "N", "HTTP port, 0 = any free port (MCP_HTTP_PORT, default 3010)"), "MCP_HTTP_PORT"),
        (new("tools", "PATH", "YAML tool file or directory (TOOLS_YAML_PATH)"), "TOOLS_YAML_PATH"),
        (new("toolsets", "a,b", "only tools of these toolsets (SELECTED_TOOLSETS)", "-ts"), "SELECTED_TOOLSETS"),
        (new("list-toolsets", null, "print the toolsets of --tools and exit"), "--list-toolsets"),
        (new("builtin-tools", null, "enable the built-in discovery tools (IBMI_ENABLE_DEFAULT_TOOLS)"), "IBMI_ENABLE_DEFAULT_TOOLS"),
        (new("execute-sql", null, "enable the execute_sql tool (IBMI_ENABLE_EXECUTE_SQL)"), "IBMI_ENABLE_EXECUTE_SQL"),
    ];

    private static readonly CliOptionSet ServeOptions = new(
        [.. ServeFlags.Select(f => f.Option), new("help", null, "this text"), new("version", null, "print the version")]);

    /// <summary>The verbs besides serve and the IBM i command line's, with what each does.</summary>
    private static readonly (string Name, string Usage, string Help)[] ServerVerbs =
    [
        ("serve", "ibmi-mcp [serve] [options]", "run the MCP server (default)"),
        ("token", "ibmi-mcp token [options]", "get a Bearer token from a running server (ibmi-mcp token --help)"),
        ("keygen", "ibmi-mcp keygen [options]", "create the RSA key pair for IBM i HTTP auth (ibmi-mcp keygen --help)"),
        ("tools", "ibmi-mcp tools validate PATH", "check YAML tool files offline"),
        ("healthcheck", "ibmi-mcp healthcheck [--url URL]", "probe GET /healthz of a running server: exit 0 on 200, else 1"),
    ];

    public static readonly string Usage = new CliHelp
    {
        Usage = ["ibmi-mcp [serve] [options]", "ibmi-mcp <verb> [options]", "ibmi-mcp --version | --help"],
        Summary = "ibmi-mcp — MCP server for IBM i (Db2 for i over Mapepire)",
        Notes = "The .env file is MCP_SERVER_CONFIG, else ./.env. Every setting is listed in the README.\n"
            + $"The IBM i command line ({string.Join(", ", IbmiCommand.Verbs)}): ibmi-mcp sql --help.",
    }.WithRows("verbs", ServerVerbs.Select(v => (v.Usage, v.Help)))
     .WithOptions("serve options (flags win over the environment, which wins over the .env file)", ServeOptions.Options).Render();

    public static async Task<int> RunAsync(string[] args)
    {
        // Started through an `ibmi` link, the binary is the IBM i command line: `ibmi sql …` is `ibmi-mcp sql …`.
        if (IsIbmiAlias())
            return await IbmiCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);

        var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "serve";
        var rest = args.Length > 0 && verb == args[0] ? args[1..] : args;
        switch (verb)
        {
            case "serve":
                return await ServeAsync(rest).ConfigureAwait(false);
            case "token":
                return await TokenCommand.RunAsync(rest, Console.Out, Console.Error).ConfigureAwait(false);
            case "keygen":
                return KeygenCommand.Run(rest, Console.Out, Console.Error);
            case "healthcheck":
                return await HealthcheckCommand.RunAsync(rest).ConfigureAwait(false);
            case "help":
                Console.Out.Write(Usage);
                return ExitCodes.Success;
            case "version":
                Console.Out.WriteLine($"ibmi-mcp {BuildInfo.Version}");
                return ExitCodes.Success;
            default:
                if (Array.IndexOf(IbmiCommand.Verbs, verb) >= 0)
                    return await IbmiCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
                return UsageError($"unknown command '{verb}' (expected serve, token, keygen, healthcheck, or a command-line verb: {string.Join(", ", IbmiCommand.Verbs)})");
        }
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        CliArguments parsed;
        try
        {
            parsed = CliArguments.Parse(args, ServeOptions).NoMorePositionals();
        }
        catch (CliException ex)
        {
            return UsageError(ex.Message);
        }
        if (parsed.Flag("help"))
        {
            Console.Out.Write(Usage);
            return ExitCodes.Success;
        }
        if (parsed.Flag("version"))
        {
            Console.Out.WriteLine($"ibmi-mcp {BuildInfo.Version}");
            return ExitCodes.Success;
        }
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (option, setting) in ServeFlags)
        {
            if (option.IsFlag)
            {
                // --list-toolsets is an action, not a setting: present or absent.
                if (parsed.FlagValues.TryGetValue(option.Name, out var on) && (on || !setting.StartsWith("--", StringComparison.Ordinal)))
                    settings[setting] = on ? "true" : "false";
            }
            else if (parsed.Value(option.Name) is { } value)
            {
                settings[setting] = value;
            }
        }
        return await ServeCommand.RunAsync(settings).ConfigureAwait(false);
    }

    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"ibmi-mcp: {message}");
        Console.Error.WriteLine("Run 'ibmi-mcp --help' for usage.");
        return ExitCodes.Usage;
    }

    /// <summary>argv[0] (not the resolved executable path: a link keeps its own name there) names "ibmi".</summary>
    private static bool IsIbmiAlias()
    {
        var argv0 = Environment.GetCommandLineArgs() is [var first, ..] ? first : "";
        var name = Path.GetFileNameWithoutExtension(argv0);
        return string.Equals(name, "ibmi", StringComparison.OrdinalIgnoreCase);
    }
}
