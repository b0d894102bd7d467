using IbmiMcp.Cli.Ibmi.Output;
using IbmiMcp.Cli.Ibmi.Verbs;

namespace IbmiMcp.Cli.Ibmi;

/// <summary>
/// The IBM i command line (docs/cli.md): <c>ibmi-mcp sql …</c>, or <c>ibmi sql …</c> through an <c>ibmi</c> link to the same
/// binary. One process per command, one Mapepire connection per system, no server started.
/// </summary>
internal static class IbmiCommand
{
    /// <summary>The verbs this command line owns (the rest of the binary's verbs are the server's).</summary>
    public static readonly string[] Verbs = ["sql", "describe", "schemas", "tables", "columns", "related", "validate", "tool", "tools", "toolsets", "system", "render"];

    public const string Usage = """
        usage: ibmi <command> [options]          (also: ibmi-mcp <command> …)

          sql [STATEMENT]            run SQL (argument, --file PATH or stdin); read-only unless --no-read-only
                                     --limit N  --dry-run  --read-only/--no-read-only
          describe LIB.OBJ[,…]       DDL via QSYS2.GENERATE_SQL (OBJ alone: library QSYS2)   --type TABLE|VIEW|…
          schemas                    list schemas   --filter PATTERN  --system-schemas  --limit N
          tables SCHEMA              list tables, views and physical files   --filter PATTERN  --limit N
          columns SCHEMA TABLE       column definitions
          related LIB OBJECT         objects that depend on a file   --type INDEX|VIEW|…
          validate "SQL"             check a statement with QSYS2.PARSE_STATEMENT
          tool NAME [--param v …]    run a YAML tool; parameters are flags (--help lists them)   --dry-run
          tools [show NAME|validate PATH]   list, show or check YAML tools   --toolset NAME
          toolsets                   list toolsets
          system add|list|show|remove|default|test|config-path   named systems in .ibmi/config.yaml
          render                     an MCP answer on stdin (curl … /mcp | ibmi-mcp render) as a table

        options for every command:
          --system NAME[,NAME…]      the system(s); several run in parallel with a SYSTEM column
          --format table|json|csv|markdown   (default: table on a terminal, json when piped)
          --raw                      json      --stream   NDJSON, one row per line as rows arrive
          --output FILE              write there instead of stdout
          --watch SECONDS            run again every SECONDS until Ctrl+C
          --tools PATH[,PATH]        YAML tool files (else the system's tools, else TOOLS_YAML_PATH)
          --timing                   phase timings on stderr

        exit codes: 0 ok · 1 connection/other · 2 usage · 3 SQL error · 4 refused (read-only) · 5 sign-on refused
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count == 0 || args[0] is "help" or "--help" or "-h")
        {
            stdout.Write(Usage);
            return args.Count == 0 ? ExitCodes.Usage : ExitCodes.Success;
        }
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;   // end the command cleanly (closing the connection stops the IBM i job's statement)
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        CliOutput? output = null;
        var terminal = !Console.IsOutputRedirected;
        try
        {
            var verb = args[0];
            var (values, flags, any) = Options(verb);
            var parsed = CliArguments.Parse(args, values, flags, any);
            var ctx = new CliContext
            {
                Args = parsed,
                Env = Environment.GetEnvironmentVariable,
                WorkingDirectory = Directory.GetCurrentDirectory(),
                Stderr = stderr,
                Stdin = Console.In,
                Interactive = !Console.IsInputRedirected,
                Cancel = cancel.Token,
            };
            var toFile = parsed.Value("output");
            var format = CliOutput.Choose(parsed, ctx.Config.Format, terminal && toFile is null);
            output = toFile is null
                ? new CliOutput(format, Console.OpenStandardOutput(), ownsStream: false, terminal, terminal ? SafeWidth() : 160)
                : new CliOutput(format, File.Create(toFile), ownsStream: true, terminal: false, 160);
            if (parsed.Flag("help") && verb != "tool")
            {
                stdout.Write(Usage);
                return ExitCodes.Success;
            }
            var code = verb switch
            {
                "sql" => await StatementVerbs.SqlAsync(ctx, output).ConfigureAwait(false),
                "describe" => await StatementVerbs.DescribeAsync(ctx, output).ConfigureAwait(false),
                "schemas" or "tables" or "columns" or "related" => await StatementVerbs.CatalogAsync(ctx, output, verb).ConfigureAwait(false),
                "validate" => await StatementVerbs.ValidateAsync(ctx, output).ConfigureAwait(false),
                "tool" => await ToolVerbs.ToolAsync(ctx, output).ConfigureAwait(false),
                "tools" => ToolVerbs.Tools(ctx, output, args, stdout),
                "toolsets" => ToolVerbs.Toolsets(ctx, output),
                "system" => await SystemVerb.RunAsync(ctx, output).ConfigureAwait(false),
                "render" => RenderVerb.Run(ctx, output),
                _ => throw CliException.Usage($"unknown command '{verb}' (commands: {string.Join(", ", Verbs)})"),
            };
            return code;
        }
        catch (CliException ex)
        {
            if (output is not null) output.WriteError(ex, stderr);
            else stderr.WriteLine($"error: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            stderr.WriteLine("cancelled");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            output?.Dispose();
        }
    }

    /// <summary>The options a verb takes beyond the global ones; <c>tool</c> takes any (its parameters).</summary>
    private static (string[] Values, string[] Flags, bool Any) Options(string verb) => verb switch
    {
        "sql" => (["file", "limit"], ["read-only", "no-read-only", "dry-run"], false),
        "describe" => (["type"], [], false),
        "schemas" => (["filter", "limit"], ["system-schemas"], false),
        "tables" => (["filter", "limit"], [], false),
        "related" => (["type"], [], false),
        "tool" => ([], ["dry-run"], true),
        "tools" => (["toolset", "toolsets"], ["strict"], false),
        "system" => (SystemVerb.Values, SystemVerb.Flags, false),
        _ => ([], [], false),
    };

    private static int SafeWidth()
    {
        try { return Console.WindowWidth > 20 ? Console.WindowWidth : 120; }
        catch (IOException) { return 120; }
    }
}
