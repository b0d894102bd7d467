using System.Text.Json;
using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools.BuiltIn;

/// <summary>
/// validate_query (--builtin-tools): parses a statement with QSYS2.PARSE_STATEMENT (nothing is run) and checks
/// that the tables (QSYS2.SYSTABLES), columns (QSYS2.SYSCOLUMNS) and routines (QSYS2.SYSROUTINES) it names exist
/// and are visible to the caller. Unqualified columns and routines are reported as skipped.
/// </summary>
internal sealed class ValidateQueryTool : BuiltInTool
{
    public const string ToolName = "validate_query";

    /// <summary>Upper bound on catalog lookups per call, so a huge statement cannot turn into hundreds of queries.</summary>
    private const int MaxChecks = 50;

    private const string ParseSql =
        "SELECT * FROM TABLE(QSYS2.PARSE_STATEMENT(SQL_STATEMENT => ?, NAMING => '*SQL', " +
        "DECIMAL_POINT => '*PERIOD', SQL_STRING_DELIMITER => '*APOSTSQL')) AS P";
    private const string TableQualified = "SELECT TABLE_SCHEMA FROM QSYS2.SYSTABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? FETCH FIRST 1 ROWS ONLY";
    private const string TableAnySchema = "SELECT TABLE_SCHEMA FROM QSYS2.SYSTABLES WHERE TABLE_NAME = ? FETCH FIRST 1 ROWS ONLY";
    private const string ColumnSql = "SELECT COLUMN_NAME FROM QSYS2.SYSCOLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ? FETCH FIRST 1 ROWS ONLY";
    private const string RoutineSql = "SELECT ROUTINE_NAME FROM QSYS2.SYSROUTINES WHERE ROUTINE_SCHEMA = ? AND ROUTINE_NAME = ? FETCH FIRST 1 ROWS ONLY";

    private const string Schema = """
        {"type":"object","properties":{
          "sql_statement":{"type":"string","minLength":5,"maxLength":10000,"description":"The SQL statement to validate; it is parsed, never run."}
        },"required":["sql_statement"],"additionalProperties":false}
        """;

    public ValidateQueryTool()
        : base(ToolName, "Validate SQL",
            "Validate an SQL statement with the IBM i SQL parser without running it: reports the statement type, the objects it references, and whether those tables, columns and routines exist.",
            Schema, readOnly: true)
    {
    }

    public override async ValueTask<CallToolResult> InvokeAsync(ToolArguments arguments, ISqlRunner sql, CancellationToken cancellationToken)
    {
        var statement = arguments.RequiredString("sql_statement", 5, 10_000).Trim().TrimEnd(';');

        using var parsed = await sql.ExecuteAsync(new SqlCommand
        {
            Sql = ParseSql,
            Parameters = [SqlValue.From(statement)],
            FetchAll = true,
            ClientTag = ClientTag,
        }, cancellationToken).ConfigureAwait(false);

        var reader = new RowReader(parsed);
        int nameType = reader.IndexOf("NAME_TYPE"), name = reader.IndexOf("NAME"), schema = reader.IndexOf("SCHEMA"),
            column = reader.IndexOf("COLUMN_NAME"), type = reader.IndexOf("SQL_STATEMENT_TYPE");

        string? statementType = null;
        var tables = new List<(string? Schema, string Name)>();
        var columns = new List<(string? Schema, string? Table, string Column)>();
        var routines = new List<(string? Schema, string Name)>();
        foreach (var row in parsed.Rows)
        {
            statementType ??= RowReader.Text(row, type)?.Trim();
            var kind = RowReader.Text(row, nameType)?.Trim();
            var objectName = RowReader.Text(row, name)?.Trim();
            var objectSchema = NullIfEmpty(RowReader.Text(row, schema)?.Trim());
            if (kind is null)
                continue;
            if (kind is "TABLE" or "VIEW" or "ALIAS" && objectName is { Length: > 0 } && !tables.Contains((objectSchema, objectName)))
                tables.Add((objectSchema, objectName));
            else if (kind == "COLUMN" && NullIfEmpty(RowReader.Text(row, column)?.Trim()) is { } columnName && !columns.Contains((objectSchema, objectName, columnName)))
                columns.Add((objectSchema, NullIfEmpty(objectName), columnName));
            else if (kind is "FUNCTION" or "PROCEDURE" && objectName is { Length: > 0 } && !routines.Contains((objectSchema, objectName)))
                routines.Add((objectSchema, objectName));
        }

        var checks = 0;
        var validTables = new List<string>();
        var invalidTables = new List<string>();
        var tableSchemas = new Dictionary<string, string>(StringComparer.Ordinal);   // name → schema it was found in
        foreach (var (tableSchema, tableName) in tables)
        {
            if (checks++ >= MaxChecks)
                break;
            var found = await FirstAsync(sql, tableSchema is null ? TableAnySchema : TableQualified,
                tableSchema is null ? [SqlValue.From(tableName)] : [SqlValue.From(tableSchema), SqlValue.From(tableName)], cancellationToken).ConfigureAwait(false);
            var label = tableSchema is null ? tableName : tableSchema + "." + tableName;
            if (found is null)
            {
                invalidTables.Add(label);
            }
            else
            {
                validTables.Add(label);
                tableSchemas.TryAdd(tableName, found);
            }
        }

        var validColumns = new List<string>();
        var invalidColumns = new List<string>();
        var skippedColumns = new List<string>();
        foreach (var (columnSchema, table, columnName) in columns)
        {
            var owner = table is null ? null : columnSchema ?? tableSchemas.GetValueOrDefault(table);
            if (table is null || owner is null || !tableSchemas.ContainsKey(table) || checks++ >= MaxChecks)
            {
                skippedColumns.Add(table is null ? columnName : table + "." + columnName);
                continue;
            }
            var found = await FirstAsync(sql, ColumnSql, [SqlValue.From(owner), SqlValue.From(table), SqlValue.From(columnName)], cancellationToken).ConfigureAwait(false);
            (found is null ? invalidColumns : validColumns).Add(table + "." + columnName);
        }

        var validRoutines = new List<string>();
        var invalidRoutines = new List<string>();
        var skippedRoutines = new List<string>();
        foreach (var (routineSchema, routineName) in routines)
        {
            // Unqualified names are usually built-in functions (SYSIBM/QSYS2), resolved through the path.
            if (routineSchema is null || checks++ >= MaxChecks)
            {
                skippedRoutines.Add(routineSchema is null ? routineName : routineSchema + "." + routineName);
                continue;
            }
            var found = await FirstAsync(sql, RoutineSql, [SqlValue.From(routineSchema), SqlValue.From(routineName)], cancellationToken).ConfigureAwait(false);
            (found is null ? invalidRoutines : validRoutines).Add(routineSchema + "." + routineName);
        }

        var parsedOk = parsed.Rows.Count > 0;
        var valid = parsedOk && invalidTables.Count == 0 && invalidColumns.Count == 0 && invalidRoutines.Count == 0;
        return BuiltInResults.Success(w =>
        {
            w.WriteBoolean("valid"u8, valid);
            w.WriteBoolean("parsed"u8, parsedOk);
            if (statementType is not null)
                w.WriteString("statementType"u8, statementType);
            if (!parsedOk)
                w.WriteString("message"u8, "QSYS2.PARSE_STATEMENT returned no rows: the statement is not valid Db2 for i SQL.");
            w.WriteStartArray("references"u8);
            foreach (var row in parsed.Rows)
                BuiltInResults.WriteRow(w, parsed, row);
            w.WriteEndArray();
            w.WriteStartObject("objectValidation"u8);
            w.WriteStartObject("tables"u8);
            WriteList(w, "valid", validTables);
            WriteList(w, "invalid", invalidTables);
            w.WriteEndObject();
            w.WriteStartObject("columns"u8);
            WriteList(w, "valid", validColumns);
            WriteList(w, "invalid", invalidColumns);
            WriteList(w, "skipped", skippedColumns);
            w.WriteEndObject();
            w.WriteStartObject("routines"u8);
            WriteList(w, "valid", validRoutines);
            WriteList(w, "invalid", invalidRoutines);
            WriteList(w, "skipped", skippedRoutines);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private async ValueTask<string?> FirstAsync(ISqlRunner sql, string text, SqlValue[] parameters, CancellationToken cancellationToken)
    {
        using var result = await sql.ExecuteAsync(new SqlCommand { Sql = text, Parameters = parameters, Rows = 1, ClientTag = ClientTag }, cancellationToken)
            .ConfigureAwait(false);
        return result.Rows.Count == 0 ? null : RowReader.Text(result.Rows[0], 0)?.Trim() ?? "";
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static void WriteList(Utf8JsonWriter w, string name, List<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
            w.WriteStringValue(value);
        w.WriteEndArray();
    }
}
