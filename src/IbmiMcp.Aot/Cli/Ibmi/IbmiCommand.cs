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

    /// <summary>Options every command understands.</summary>
    public static readonly CliOption[] GlobalOptions =
    [
        new("system", "NAME[,NAME…]", "the system(s); several run in parallel with a SYSTEM column"),
        new("format", "table|json|csv|markdown", "(default: table on a terminal, json when piped)"),
        new("raw", null, "json"),
        new("stream", null, "NDJSON, one row per line as rows arrive"),
        new("output", "FILE", "write there instead of stdout"),
        new("watch", "SECONDS", "run again every SECONDS until Ctrl+C"),
        new("tools", "PATH[,PATH]", "YAML tool files (else the system's tools, else TOOLS_YAML_PATH)"),
        new("timing", null, "phase timings on stderr"),
        new("no-color", null, "no colours in tables"),
        new("help", null, "this text (tool NAME --help: the tool's parameters)"),
    ];

    public static readonly string Usage = new CliHelp
    {
        Usage = ["ibmi <command> [options]          (also: ibmi-mcp <command> …)"],
        Notes = "exit codes: " + ExitCodes.Summary,
    }.WithRows("commands",
    [
        ("sql [STATEMENT]", "run SQL (argument, --file PATH or stdin); read-only unless --no-read-only\n--limit N  --dry-run  --read-only/--no-read-only"),
        ("describe LIB.OBJ[,…]", "DDL via QSYS2.GENERATE_SQL (OBJ alone: library QSYS2)   --type TABLE|VIEW|…"),
        ("schemas", "list schemas   --filter PATTERN  --system-schemas  --limit N"),
        ("tables SCHEMA", "list tables, views and physical files   --filter PATTERN  --limit N"),
        ("columns SCHEMA TABLE", "column definitions"),
        ("related LIB OBJECT", "objects that depend on a file   --type INDEX|VIEW|…"),
        ("validate \"SQL\"", "check a statement with QSYS2.PARSE_STATEMENT"),
        ("tool NAME [--param v …]", "run a YAML tool; parameters are flags (--help lists them)   --dry-run"),
        ("tools [show NAME|validate PATH]", "list, show or check YAML tools   --toolset NAME"),
        ("toolsets", "list toolsets"),
        ("system add|list|show|remove|default|test|config-path", "named systems in .ibmi/config.yaml"),
        ("render", "an MCP answer on stdin (curl … /mcp | ibmi-mcp render) as a table"),
    ]).WithOptions("options for every command", GlobalOptions).Render();

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
            var parsed = CliArguments.Parse(args, Options(verb));
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

    /// <summary>The options a command takes beyond the global ones; <c>tool</c> takes any (its parameters).</summary>
    internal static CliOptionSet Options(string verb) => verb switch
    {
        "sql" => With([new("file", "PATH", "read the statement from a file"), new("limit", "N", "at most N rows"),
            new("read-only", null, "refuse statements that change data (the default)"), new("no-read-only", null, "allow them"),
            new("dry-run", null, "print what would run; connect to nothing")]),
        "describe" => With([new("type", "TYPE", "the object type (default TABLE)")]),
        "schemas" => With([new("filter", "PATTERN", "SQL LIKE pattern"), new("limit", "N", "at most N rows"),
            new("system-schemas", null, "include Q* and SYS* schemas")]),
        "tables" => With([new("filter", "PATTERN", "SQL LIKE pattern"), new("limit", "N", "at most N rows")]),
        "related" => With([new("type", "TYPE", "only this kind of object")]),
        "tool" => With([new("dry-run", null, "print the statement and its bound parameters; connect to nothing")], acceptAny: true),
        "tools" => With([new("toolset", "NAME", "only this toolset's tools"), new("toolsets", "A,B", "(tools validate) only these toolsets"),
            new("strict", null, "(tools validate) warnings fail too")]),
        "system" => With(SystemVerb.Options),
        _ => With([]),
    };

    private static CliOptionSet With(IEnumerable<CliOption> options, bool acceptAny = false) => new([.. GlobalOptions, .. options], acceptAny);

    private static int SafeWidth()
    {
        try { return Console.WindowWidth > 20 ? Console.WindowWidth : 120; }
        catch (IOException) { return 120; }
    }
}
