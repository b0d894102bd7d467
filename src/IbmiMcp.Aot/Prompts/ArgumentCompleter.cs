using IbmiMcp.Mapepire;
using IbmiMcp.Tools.BuiltIn;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Prompts;

/// <summary>
/// Answers <c>completion/complete</c> for prompt arguments: enum values from the YAML, schema and table names from the
/// Db2 for i catalog — asked <b>as the caller, on the caller's pool</b>, so a user is offered only the names their own
/// authority shows them. Catalog lookups are bounded: at most <see cref="MaxValues"/> names (the MCP limit per answer)
/// and the configured time (MCP_COMPLETION_TIMEOUT_MS); a lookup that runs out of time or fails answers with no values
/// rather than an error, since a completion is a hint, not a result.
/// </summary>
internal static class ArgumentCompleter
{
    /// <summary>MCP: a completion answer carries at most 100 values.</summary>
    public const int MaxValues = 100;
    public const string ClientTag = "ibmi-mcp:completion";

    // One row more than shown tells whether more exist. LIKE patterns are escaped, so a typed % or _ is literal.
    internal const string SchemaSql =
        "SELECT SCHEMA_NAME FROM QSYS2.SYSSCHEMAS WHERE SCHEMA_NAME LIKE ? ESCAPE '\\' ORDER BY SCHEMA_NAME FETCH FIRST 101 ROWS ONLY";
    internal const string TableSql =
        "SELECT TABLE_NAME FROM QSYS2.SYSTABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE ? ESCAPE '\\' ORDER BY TABLE_NAME FETCH FIRST 101 ROWS ONLY";

    public static readonly Completion Empty = new() { Values = [], Total = 0, HasMore = false };

    /// <summary>The values of <paramref name="candidates"/> that start with <paramref name="prefix"/> (any case), in order.</summary>
    public static Completion FromValues(IEnumerable<string> candidates, string? prefix)
    {
        var values = new List<string>();
        var total = 0;
        foreach (var candidate in candidates)
        {
            if (!string.IsNullOrEmpty(prefix) && !candidate.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                continue;
            total++;
            if (values.Count < MaxValues)
                values.Add(candidate);
        }
        return new Completion { Values = values, Total = total, HasMore = total > values.Count };
    }

    public static async ValueTask<Completion> CompleteAsync(PromptDefinition prompt, PromptArgumentDefinition argument, string? prefix,
        IDictionary<string, string>? context, ISqlRunner? sql, TimeSpan timeout, CancellationToken cancellationToken)
    {
        switch (argument.Completion)
        {
            case ArgumentCompletionKind.Enum:
                return FromValues(argument.Enum, prefix);
            case ArgumentCompletionKind.Schema:
                return await LookUpAsync(sql, SchemaSql, [SqlValue.From(LikePrefix(prefix))], timeout, cancellationToken).ConfigureAwait(false);
            case ArgumentCompletionKind.Table:
                var schemaName = prompt.Arguments[argument.SchemaArgument].Name;
                if (context is null || !context.TryGetValue(schemaName, out var schema) || string.IsNullOrWhiteSpace(schema))
                    return Empty;   // the schema argument is not filled in yet
                return await LookUpAsync(sql, TableSql, [SqlValue.From(SqlNames.Normalize(schema)), SqlValue.From(LikePrefix(prefix))], timeout,
                    cancellationToken).ConfigureAwait(false);
            default:
                return Empty;
        }
    }

    private static async ValueTask<Completion> LookUpAsync(ISqlRunner? sql, string statement, SqlValue[] parameters, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        if (sql is null)
            return Empty;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            using var result = await sql.ExecuteAsync(new SqlCommand
            {
                Sql = statement,
                Parameters = parameters,
                Rows = MaxValues + 1,
                ClientTag = ClientTag,
            }, limit.Token).ConfigureAwait(false);
            var values = new List<string>(Math.Min(result.Rows.Count, MaxValues));
            foreach (var row in result.Rows)
            {
                if (values.Count == MaxValues)
                    break;
                if (RowReader.Text(row, 0)?.TrimEnd() is { Length: > 0 } name)
                    values.Add(name);
            }
            var more = result.Rows.Count > MaxValues;
            return new Completion { Values = values, Total = more ? null : values.Count, HasMore = more };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Empty;   // out of time: no hint is better than a late one
        }
        catch (MapepireException)
        {
            return Empty;   // e.g. the caller may not read the catalog view
        }
    }

    /// <summary>Upper-cased (catalog names are stored that way unless delimited), LIKE-escaped, then %.</summary>
    internal static string LikePrefix(string? prefix)
    {
        if (string.IsNullOrEmpty(prefix))
            return "%";
        var text = prefix.Trim().TrimStart('"').ToUpperInvariant();
        return text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
    }
}
