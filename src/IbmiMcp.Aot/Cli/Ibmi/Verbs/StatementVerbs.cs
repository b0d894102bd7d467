using System.Text;
using System.Text.Json;
using IbmiMcp.Cli.Ibmi.Output;
using IbmiMcp.Cli.Ibmi.Systems;
using IbmiMcp.Mapepire;
using IbmiMcp.Tools;
using IbmiMcp.Tools.BuiltIn;

namespace IbmiMcp.Cli.Ibmi.Verbs;

/// <summary>
/// The verbs that run SQL on IBM i: <c>sql</c>, <c>describe</c>, <c>schemas</c>, <c>tables</c>, <c>columns</c>, <c>related</c>,
/// <c>validate</c>. The catalog verbs run the very statements of the server's built-in tools; <c>sql</c> checks a statement
/// with the server's read-only classifier; each statement tags its IBM i job (CLIENT_PROGRAMID <c>ibmi:&lt;verb&gt;</c>).
/// </summary>
internal static class StatementVerbs
{
    public static async Task<int> SqlAsync(CliContext ctx, CliOutput output)
    {
        var statement = ReadStatement(ctx).Trim().TrimEnd(';').TrimEnd();
        if (statement.Length == 0)
            throw CliException.Usage("no statement: give it as an argument, with --file PATH, or on stdin");
        var systems = ctx.SystemsUnlessDryRun();
        var wantsWrites = ctx.Args.Flag("no-read-only");
        foreach (var system in systems)
        {
            // A system marked readOnly stays read-only whatever the command line says.
            var readOnly = !wantsWrites || system.ReadOnly;
            var refusal = readOnly ? SqlStatementClassifier.CheckReadOnly(statement) : SqlStatementClassifier.CheckSingleStatement(statement);
            if (refusal is not null)
                throw CliException.Security(readOnly && wantsWrites ? $"{refusal} (system '{system.Name}' is readOnly in its config)" : readOnly
                    ? $"{refusal}. Pass --no-read-only to run statements that change data." : refusal);
        }
        if (ctx.Args.Flag("dry-run"))
        {
            var dry = new CliTable { Command = "sql", Text = statement };
            dry.AddColumn("SQL");
            dry.AddColumn("READ_ONLY");
            dry.AddColumn("LIMIT", numeric: true);
            dry.AddRow(statement, (!wantsWrites).ToString().ToLowerInvariant(), ctx.Args.Number("limit", systems.Count > 0 ? systems[0].MaxRows : CliSystem.DefaultMaxRows).ToString(System.Globalization.CultureInfo.InvariantCulture));
            output.Write(dry);
            return ExitCodes.Success;
        }
        SqlCommand Command(CliConnection c) => new()
        {
            Sql = statement,
            FetchAll = true,
            // A stream holds one block at a time, so it has no row cap unless --limit sets one.
            MaxRows = ctx.Args.Number("limit", output.Format == CliFormat.NdJson ? int.MaxValue : c.System.MaxRows),
            ClientTag = "ibmi:sql",
        };
        if (output.Format == CliFormat.NdJson)
            return await SystemRun.StreamAsync(ctx, output, systems, (c, onRows, ct) => c.StreamAsync(Command(c), onRows, ct)).ConfigureAwait(false);
        return await SystemRun.TablesAsync(ctx, output, systems, "sql", async (c, keep, ct) =>
        {
            var result = await c.ExecuteAsync(Command(c), ct).ConfigureAwait(false);
            keep.Add(result);
            var table = new CliTable { Command = "sql" };
            table.AddResult(result);
            return table;
        }).ConfigureAwait(false);
    }

    /// <summary>The statement: the argument, else <c>--file</c>, else stdin when it is not a terminal (the reference's order).</summary>
    private static string ReadStatement(CliContext ctx)
    {
        if (ctx.Args.Positionals.Count > 1)
            return string.Join(' ', ctx.Args.Positionals.Skip(1));
        if (ctx.Args.Value("file") is { } path)
        {
            try { return File.ReadAllText(path); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw CliException.Usage($"--file {path}: {ex.Message}"); }
        }
        return ctx.Interactive ? "" : ctx.Stdin.ReadToEnd();
    }

    /// <summary><c>describe LIB.OBJ[,…]</c>: DDL from QSYS2.GENERATE_SQL; an object that fails becomes an ERROR row.</summary>
    public static async Task<int> DescribeAsync(CliContext ctx, CliOutput output)
    {
        if (ctx.Args.Positionals.Count < 2)
            throw CliException.Usage("usage: ibmi describe LIB.OBJECT[,LIB.OBJECT…] [--type TABLE|VIEW|INDEX|…]");
        var type = (ctx.Args.Value("type") ?? "TABLE").ToUpperInvariant();
        if (Array.IndexOf(DescribeSqlObjectTool.ObjectTypes, type) < 0)
            throw CliException.Usage($"--type must be one of: {string.Join(", ", DescribeSqlObjectTool.ObjectTypes)}");
        var objects = string.Join(',', ctx.Args.Positionals.Skip(1)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        CliException? firstFailure = null;
        var code = await SystemRun.TablesAsync(ctx, output, ctx.Systems(), "describe", async (c, keep, ct) =>
        {
            var table = new CliTable { Command = "describe" };
            table.AddColumn("OBJECT");
            table.AddColumn("TYPE");
            table.AddColumn("DDL");
            table.AddColumn("ERROR");
            var text = new StringBuilder();
            foreach (var spec in objects)
            {
                var dot = spec.IndexOf('.');
                var library = SqlNames.Normalize(dot > 0 ? spec[..dot] : "QSYS2");
                var name = SqlNames.Normalize(dot > 0 ? spec[(dot + 1)..] : spec);
                try
                {
                    using var result = await c.ExecuteAsync(new SqlCommand
                    {
                        Sql = DescribeSqlObjectTool.Sql,
                        Parameters = [SqlValue.From(name), SqlValue.From(library), SqlValue.From(type)],
                        FetchAll = true,
                        PageSize = 500,
                        ClientTag = "ibmi:describe",
                    }, ct).ConfigureAwait(false);
                    var column = Math.Max(0, new RowReader(result).IndexOf("SRCDTA"));
                    var ddl = new StringBuilder();
                    foreach (var row in result.Rows)
                        ddl.Append(RowReader.Text(row, column)?.TrimEnd()).Append('\n');
                    var body = ddl.ToString().TrimEnd('\n');
                    table.AddRow($"{library}.{name}", type, body, null);
                    text.Append("-- ").Append(library).Append('.').Append(name).Append(" (").Append(type).Append(")\n").Append(body).Append("\n\n");
                }
                catch (MapepireException ex) when (ex.Failure == MapepireFailure.Sql)
                {
                    var error = CliException.From(ex, c.System.Name);
                    firstFailure ??= error;
                    table.AddRow($"{library}.{name}", type, null, error.Message);
                    text.Append("-- ").Append(library).Append('.').Append(name).Append(": ERROR: ").Append(error.Message).Append("\n\n");
                }
            }
            table.Text = text.ToString().TrimEnd('\n');
            return table;
        }).ConfigureAwait(false);
        return code != ExitCodes.Success ? code : firstFailure?.ExitCode ?? ExitCodes.Success;
    }

    /// <summary><c>schemas</c>, <c>tables</c>, <c>columns</c>, <c>related</c>: the built-in tools' own statements.</summary>
    public static Task<int> CatalogAsync(CliContext ctx, CliOutput output, string verb)
    {
        var a = ctx.Args;
        var limit = a.Number("limit", 5000);
        var filter = a.Value("filter");
        string sql;
        SqlValue[] parameters;
        int rows;
        switch (verb)
        {
            case "schemas":
                var system = a.Flag("system-schemas");
                sql = (filter is null, system) switch
                {
                    (true, true) => ListSchemasTool.AllSql,
                    (false, true) => ListSchemasTool.FilteredSql,
                    (true, false) => ListSchemasTool.UserSql,
                    _ => ListSchemasTool.UserFilteredSql,
                };
                parameters = filter is null ? [SqlValue.From(0), SqlValue.From(limit + 1)] : [SqlValue.From(filter), SqlValue.From(0), SqlValue.From(limit + 1)];
                rows = limit;
                break;
            case "tables":
                var schema = SqlNames.Normalize(Positional(a, 1, "usage: ibmi tables SCHEMA [--filter PATTERN]"));
                sql = filter is null ? ListTablesInSchemaTool.AllSql : ListTablesInSchemaTool.FilteredSql;
                parameters = filter is null ? [SqlValue.From(schema), SqlValue.From(0), SqlValue.From(limit + 1)]
                    : [SqlValue.From(schema), SqlValue.From(filter), SqlValue.From(0), SqlValue.From(limit + 1)];
                rows = limit;
                break;
            case "columns":
                sql = GetTableColumnsTool.Sql;
                parameters = [SqlValue.From(SqlNames.Normalize(Positional(a, 1, "usage: ibmi columns SCHEMA TABLE"))),
                    SqlValue.From(SqlNames.Normalize(Positional(a, 2, "usage: ibmi columns SCHEMA TABLE")))];
                rows = 0;
                break;
            default:
                var objectType = a.Value("type")?.ToUpperInvariant();
                if (objectType is not null && Array.IndexOf(GetRelatedObjectsTool.ObjectTypes, objectType) < 0)
                    throw CliException.Usage($"--type must be one of: {string.Join(", ", GetRelatedObjectsTool.ObjectTypes)}");
                var library = SqlNames.Normalize(Positional(a, 1, "usage: ibmi related LIBRARY OBJECT [--type INDEX|VIEW|…]"));
                var file = SqlNames.Normalize(Positional(a, 2, "usage: ibmi related LIBRARY OBJECT [--type INDEX|VIEW|…]"));
                sql = objectType is null ? GetRelatedObjectsTool.AllSql : GetRelatedObjectsTool.FilteredSql;
                parameters = objectType is null ? [SqlValue.From(library), SqlValue.From(file)] : [SqlValue.From(library), SqlValue.From(file), SqlValue.From(objectType)];
                rows = 0;
                break;
        }
        return SystemRun.TablesAsync(ctx, output, ctx.Systems(), verb, async (c, keep, ct) =>
        {
            var result = await c.ExecuteAsync(new SqlCommand
            {
                Sql = sql,
                Parameters = parameters,
                Rows = rows,
                FetchAll = rows == 0,
                MaxRows = limit,
                ClientTag = "ibmi:" + verb,
            }, ct).ConfigureAwait(false);
            keep.Add(result);
            if (verb == "columns" && result.Rows.Count == 0)
                throw CliException.NotFound($"table {parameters[0]}.{parameters[1]} was not found on {c.System.Name}, or {c.User} is not authorized to it");
            var table = new CliTable { Command = verb };
            table.AddResult(result);
            return table;
        });
    }

    /// <summary><c>validate "SQL"</c>: the server's validate_query tool (QSYS2.PARSE_STATEMENT and the referenced objects).</summary>
    public static async Task<int> ValidateAsync(CliContext ctx, CliOutput output)
    {
        var statement = ReadStatement(ctx);
        if (statement.Trim().Length == 0)
            throw CliException.Usage("usage: ibmi validate \"SQL\"");
        var invalid = false;
        var code = await SystemRun.TablesAsync(ctx, output, ctx.Systems(), "validate", async (c, keep, ct) =>
        {
            var arguments = new Dictionary<string, JsonElement> { ["sql_statement"] = CliTable.Cell(statement) };
            var result = await BuiltInToolRunner.RunAsync(new ValidateQueryTool(), arguments, c, ct).ConfigureAwait(false);
            var body = result.StructuredContent ?? default;
            var table = new CliTable { Command = "validate" };
            table.AddColumn("VALID");
            table.AddColumn("MESSAGE");
            var valid = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("valid", out var v) && v.ValueKind == JsonValueKind.True;
            string message;
            if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                message = m.GetString()!;
            else if (valid)
            {
                // A valid statement: its type and the objects it names, as QSYS2.PARSE_STATEMENT reported them.
                var type = body.TryGetProperty("statementType", out var t) ? t.GetString() : "statement";
                var names = body.TryGetProperty("references", out var refs) && refs.ValueKind == JsonValueKind.Array
                    ? refs.EnumerateArray().Select(r => (r.TryGetProperty("SCHEMA", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() + "." : "")
                        + (r.TryGetProperty("NAME", out var n) ? n.GetString() : "")).Distinct().ToList()
                    : [];
                message = names.Count == 0 ? $"{type}" : $"{type} referencing {string.Join(", ", names)}";
            }
            else
                message = ((ModelContextProtocol.Protocol.TextContentBlock)result.Content[0]).Text;
            table.AddRow(valid ? "yes" : "no", message);
            if (result.IsError == true || !valid)
            {
                invalid = true;
                table.Text = $"invalid: {message}";
            }
            return table;
        }).ConfigureAwait(false);
        // An invalid statement is a query error to a script, as it would be when run.
        return code == ExitCodes.Success && invalid ? ExitCodes.Sql : code;
    }

    private static string Positional(CliArguments a, int index, string usage)
        => a.Positionals.Count > index ? a.Positionals[index] : throw CliException.Usage(usage);
}
