using System.Globalization;
using System.Text;
using System.Text.Json;
using IbmiMcp.Cli.Ibmi.Output;
using IbmiMcp.Cli.Ibmi.Systems;
using IbmiMcp.Tools;

namespace IbmiMcp.Cli.Ibmi.Verbs;

/// <summary>
/// <c>tool NAME --param value …</c> runs a YAML tool with the server's binder and security checks (a parameter
/// <c>employee_number</c> is the flag <c>--employee-number</c> or <c>--employee_number</c>; types, defaults, enums and
/// required come from the YAML); <c>tools</c> lists, <c>tools show</c> details, <c>tools validate</c> checks files,
/// <c>toolsets</c> lists toolsets. The files are <c>--tools PATH[,PATH]</c>, else the system's <c>tools</c>, else TOOLS_YAML_PATH.
/// </summary>
internal static class ToolVerbs
{
    public static async Task<int> ToolAsync(CliContext ctx, CliOutput output)
    {
        if (ctx.Args.Positionals.Count < 2)
            throw CliException.Usage("usage: ibmi tool NAME [--parameter value …] [--dry-run] [--tools PATH]");
        var catalog = LoadCatalog(ctx);
        var name = ctx.Args.Positionals[1];
        if (!catalog.Tools.TryGetValue(name, out var tool))
            throw CliException.Unknown($"no tool '{name}' in {catalog.Files.Count} file(s) (tools: {string.Join(", ", catalog.ToolList.Select(t => t.Name))})");
        if (ctx.Args.Flag("help"))
        {
            output.Write(ParameterTable(tool));
            return ExitCodes.Success;
        }

        var arguments = Arguments(tool, ctx.Args);
        var systems = ctx.SystemsUnlessDryRun();
        var limit = systems.Count > 0 ? systems[0].MaxRows : CliSystem.DefaultMaxRows;
        var settings = new ResultSettings(new ResultBudget(limit, 64 * 1024 * 1024), ResponseFormat.Json, limit);
        if (!ToolCallPreparer.TryPrepare(tool, arguments, settings, out var call, out var failure))
            throw failure!.Kind == ToolFailureKind.Security ? CliException.Security(failure.Message) : CliException.Usage($"{name}: {failure.Message}");
        var command = call!.Command;
        // A readOnly system runs no statement that changes data, whatever the tool's YAML says.
        foreach (var system in systems)
            if (system.ReadOnly && SqlStatementClassifier.CheckReadOnly(command.Sql) is { } refusal)
                throw CliException.Security($"{name}: {refusal} (system '{system.Name}' is readOnly in its config)");
        var tagged = new Mapepire.SqlCommand
        {
            Sql = command.Sql, Parameters = command.Parameters, Rows = command.Rows, FetchAll = command.FetchAll,
            MaxRows = command.MaxRows, PageSize = command.PageSize, ClientTag = "ibmi:tool:" + name,
        };
        if (ctx.Args.Flag("dry-run"))
        {
            var dry = new CliTable { Command = "tool", Text = $"{tagged.Sql.Trim()}\n-- parameters: {string.Join(", ", tagged.Parameters.Select(p => p.ToString()))}" };
            dry.AddColumn("TOOL");
            dry.AddColumn("SQL");
            dry.AddColumn("PARAMETERS");
            dry.AddRow(name, tagged.Sql.Trim(), string.Join(", ", tagged.Parameters.Select(p => p.ToString())));
            output.Write(dry);
            return ExitCodes.Success;
        }
        if (output.Format == CliFormat.NdJson)
            return await SystemRun.StreamAsync(ctx, output, systems, (c, onRows, ct) => c.StreamAsync(tagged, onRows, ct)).ConfigureAwait(false);
        return await SystemRun.TablesAsync(ctx, output, systems, "tool", async (c, keep, ct) =>
        {
            var result = await c.ExecuteAsync(tagged, ct).ConfigureAwait(false);
            keep.Add(result);
            var table = new CliTable { Command = "tool" };
            table.AddResult(result);
            return table;
        }).ConfigureAwait(false);
    }

    /// <summary>The tool's flags as its arguments, typed by its parameters; the binder checks them afterwards.</summary>
    private static Dictionary<string, JsonElement> Arguments(SqlTool tool, CliArguments args)
    {
        var arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (flag, value) in args.Extra)
        {
            var index = tool.IndexOfParameter(flag.Replace('-', '_'));
            if (index < 0) index = tool.IndexOfParameter(flag);
            if (index < 0)
                throw CliException.Usage(tool.Parameters.Count == 0 ? $"{tool.Name} takes no parameters (got --{flag})"
                    : $"--{flag} is not a parameter of {tool.Name} (parameters: {string.Join(", ", tool.Parameters.Select(p => "--" + Flag(p.Name)))})");
            var p = tool.Parameters[index];
            if (p.Type == ToolParameterType.Array && arguments.TryGetValue(p.Name, out var earlier))
            {
                // A repeated array flag adds items: --ids A --ids B is --ids A,B.
                var items = earlier.EnumerateArray().Select(e => e.GetRawText()).Concat(Items(p, value));
                arguments[p.Name] = JsonDocument.Parse("[" + string.Join(",", items) + "]").RootElement.Clone();
                continue;
            }
            arguments[p.Name] = Convert(p, value);
        }
        return arguments;
    }

    private static JsonElement Convert(ToolParameter p, string? value)
    {
        switch (p.Type)
        {
            case ToolParameterType.Boolean:
                return value?.ToLowerInvariant() switch
                {
                    null or "true" or "yes" or "1" => Json("true"),
                    "false" or "no" or "0" => Json("false"),
                    _ => throw CliException.Usage($"--{Flag(p.Name)} is true or false (got '{value}')"),
                };
            case ToolParameterType.Array:
                return Json("[" + string.Join(",", Items(p, value)) + "]");
            default:
                return Scalar(p.Type, p.Name, value);
        }
    }

    private static IEnumerable<string> Items(ToolParameter p, string? value)
        => (value ?? throw CliException.Usage($"--{Flag(p.Name)} needs a value"))
            .Split(',', StringSplitOptions.TrimEntries)
            .Select(item => Scalar(p.ItemType ?? ToolParameterType.String, p.Name, item).GetRawText());

    private static JsonElement Scalar(ToolParameterType type, string name, string? value)
    {
        if (value is null)
            throw CliException.Usage($"--{Flag(name)} needs a value");
        return type switch
        {
            ToolParameterType.Integer => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                ? Json(n.ToString(CultureInfo.InvariantCulture)) : throw CliException.Usage($"--{Flag(name)} must be a whole number (got '{value}')"),
            ToolParameterType.Float => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? Json(d.ToString("R", CultureInfo.InvariantCulture)) : throw CliException.Usage($"--{Flag(name)} must be a number (got '{value}')"),
            ToolParameterType.Boolean => Convert(new ToolParameter { Name = name, Type = type }, value),
            _ => CliTable.Cell(value),
        };
    }

    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    private static string Flag(string parameter) => parameter.Replace('_', '-');

    private static CliTable ParameterTable(SqlTool tool)
    {
        var table = new CliTable { Command = "tool" };
        table.AddColumn("FLAG");
        table.AddColumn("TYPE");
        table.AddColumn("REQUIRED");
        table.AddColumn("DEFAULT");
        table.AddColumn("DESCRIPTION");
        foreach (var p in tool.Parameters)
        {
            var type = p.Type == ToolParameterType.Array ? $"list of {(p.ItemType ?? ToolParameterType.String).ToString().ToLowerInvariant()}" : p.Type.ToString().ToLowerInvariant();
            table.AddRow("--" + Flag(p.Name), type, p.IsRequired ? "yes" : "no", p.Default?.GetRawText(), ToolInputSchemaBuilder.Describe(p));
        }
        var text = new StringBuilder().Append(tool.Name).Append(": ").Append(tool.Description.Trim()).Append('\n');
        foreach (var row in table.Rows)
            text.Append("  ").Append(row[0].GetString()).Append(" (").Append(row[1].GetString()).Append(row[2].GetString() == "yes" ? ", required" : "")
                .Append(row[3].ValueKind == JsonValueKind.String ? ", default " + row[3].GetString() : "").Append(")")
                .Append(row[4].ValueKind == JsonValueKind.String ? "  " + row[4].GetString() : "").Append('\n');
        table.Text = text.ToString().TrimEnd('\n');
        return table;
    }

    /// <summary><c>tools</c> (list), <c>tools show NAME</c>, <c>tools validate PATH</c> (the server's offline check).</summary>
    public static int Tools(CliContext ctx, CliOutput output, IReadOnlyList<string> rawArgs, TextWriter stdout)
    {
        var sub = ctx.Args.Positionals.Count > 1 ? ctx.Args.Positionals[1] : "list";
        switch (sub)
        {
            case "validate":
                return ToolsValidateCommand.Run([.. rawArgs.Skip(1)], stdout, ctx.Stderr);
            case "show":
                var catalog = LoadCatalog(ctx);
                var name = ctx.Args.Positionals.Count > 2 ? ctx.Args.Positionals[2] : throw CliException.Usage("usage: ibmi tools show NAME");
                if (!catalog.Tools.TryGetValue(name, out var tool))
                    throw CliException.Unknown($"no tool '{name}' (tools: {string.Join(", ", catalog.ToolList.Select(t => t.Name))})");
                var details = ParameterTable(tool);
                details.Text = $"{details.Text}\n\n{tool.Statement.Trim()}\n\n-- {tool.Location} · toolsets: {(tool.Toolsets.Count == 0 ? "none" : string.Join(", ", tool.Toolsets))}";
                output.Write(details);
                return ExitCodes.Success;
            case "list":
                var all = LoadCatalog(ctx);
                var toolset = ctx.Args.Value("toolset");
                if (toolset is not null && !all.Toolsets.ContainsKey(toolset))
                    throw CliException.Unknown($"no toolset '{toolset}' (toolsets: {string.Join(", ", all.ToolsetList.Select(t => t.Name))})");
                var table = new CliTable { Command = "tools" };
                table.AddColumn("NAME");
                table.AddColumn("TOOLSETS");
                table.AddColumn("PARAMETERS");
                table.AddColumn("DESCRIPTION");
                foreach (var t in all.ToolList)
                    if (toolset is null || t.Toolsets.Contains(toolset))
                        table.AddRow(t.Name, string.Join(",", t.Toolsets), string.Join(" ", t.Parameters.Select(p => "--" + Flag(p.Name))), TextTable.Clip(t.Description, 120));
                output.Write(table);
                return ExitCodes.Success;
            default:
                throw CliException.Usage($"unknown 'tools {sub}' (expected: tools, tools show NAME, tools validate PATH)");
        }
    }

    public static int Toolsets(CliContext ctx, CliOutput output)
    {
        var catalog = LoadCatalog(ctx);
        var table = new CliTable { Command = "toolsets" };
        table.AddColumn("NAME");
        table.AddColumn("TITLE");
        table.AddColumn("TOOLS");
        foreach (var set in catalog.AvailableToolsets)
            table.AddRow(set.Name, set.Title, string.Join(", ", set.Tools));
        output.Write(table);
        return ExitCodes.Success;
    }

    /// <summary>The YAML files: <c>--tools</c>, else the chosen system's <c>tools</c>, else TOOLS_YAML_PATH; load errors are usage errors.</summary>
    private static ToolCatalog LoadCatalog(CliContext ctx)
    {
        var path = ctx.Args.Value("tools");
        if (path is null)
        {
            var system = ctx.Config.Systems.Count > 0 || ctx.Env("DB2i_HOST") is not null ? ctx.Systems()[0] : null;
            path = system is { Tools.Count: > 0 } ? string.Join(',', system.Tools) : ctx.Env("TOOLS_YAML_PATH");
        }
        if (string.IsNullOrWhiteSpace(path))
            throw CliException.Usage("no tool files: pass --tools PATH (a file or a directory), or set TOOLS_YAML_PATH");
        var result = ToolCatalogLoader.Load(new ToolLoadSettings { Path = path, Variables = ctx.Env });
        if (result.Catalog is null)
            throw CliException.Usage($"the tool files do not load:\n  {string.Join("\n  ", result.Errors.Take(10))}");
        return result.Catalog;
    }
}
