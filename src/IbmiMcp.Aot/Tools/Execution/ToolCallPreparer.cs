using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>
/// Validates arguments, binds them and runs the security checks on the exact text that will be sent (spec
/// §5.4–5.7). The statement was checked at load; when the bound text is that same string (no array was
/// expanded) the load verdict stands, otherwise the final text is checked again. Also decides how many rows to fetch:
/// the page the answer can hold (<see cref="ResultBudget"/>) after the <c>resultOffset</c> rows to skip, never more than
/// the tool itself returns.
/// </summary>
internal static class ToolCallPreparer
{
    public static bool TryPrepare(SqlTool tool, IReadOnlyDictionary<string, JsonElement>? arguments, out ToolCall? call, out ToolFailure? failure)
        => TryPrepare(tool, arguments, ResultSettings.Default, out call, out failure);

    public static bool TryPrepare(SqlTool tool, IReadOnlyDictionary<string, JsonElement>? arguments, ResultSettings settings,
        out ToolCall? call, out ToolFailure? failure)
    {
        call = null;
        if (!TryTakeOffset(ref arguments, out var offset, out var offsetProblem))
        {
            failure = new ToolFailure(ToolArgumentValidator.FailurePrefix + offsetProblem, ToolErrorCodes.ValidationError, ToolFailureKind.Validation, [offsetProblem!]);
            return false;
        }

        var values = new ArgumentValue[tool.Parameters.Count];
        List<string>? errors = null;
        if (!ToolArgumentValidator.TryValidate(tool, arguments, values, ref errors))
        {
            failure = new ToolFailure(ToolArgumentValidator.FailurePrefix + string.Join("; ", errors!), ToolErrorCodes.ValidationError, ToolFailureKind.Validation, errors);
            return false;
        }

        var plan = tool.BindPlan;
        var bound = plan.Bind(values);
        var sql = bound.Sql;
        if (plan.Mode == ParameterMode.DirectSubstitution) sql = SqlBindPlan.WithoutTerminator(sql);
        if (plan.Mode == ParameterMode.DirectSubstitution || !ReferenceEquals(sql, plan.StaticSql))
        {
            var verdict = SqlSecurityValidator.Validate(sql, tool.Security);
            if (!verdict.IsAllowed)
            {
                failure = new ToolFailure("Security validation failed: " + verdict.Message, ToolErrorCodes.ValidationError, ToolFailureKind.Security, verdict.Violations);
                return false;
            }
        }

        // Fetch rules (spec §5.7): neither → one block of 100 rows; rowsToFetch N → one block of N; fetchAllRows → pages
        // up to the pool's cap. That is what the tool returns at most (its limit); of it, only the rows up to the end of
        // the requested page are fetched. Rows past the fetch are reported either way (SqlResult.Truncated), unlike the
        // reference's silent 100-row cap (#139).
        var budget = tool.BudgetWithin(settings.Budget);
        int limit = tool.FetchAllRows ? settings.PoolMaxRows : tool.RowsToFetch ?? 100;
        int fetch = (int)Math.Min(limit, (long)offset + budget.MaxRows);
        call = new ToolCall
        {
            Tool = tool,
            Values = values,
            Offset = offset,
            Budget = budget,
            Limit = limit,
            Command = new SqlCommand
            {
                Sql = sql,
                Parameters = bound.Parameters,
                Rows = fetch,
                FetchAll = tool.FetchAllRows,
                MaxRows = tool.FetchAllRows ? fetch : 0,
                PageSize = tool.FetchAllRows && tool.RowsToFetch is int page ? page : 0,
                ClientTag = tool.Name,
            },
        };
        failure = null;
        return true;
    }

    /// <summary>Removes <c>resultOffset</c> from the arguments (it is not a tool parameter) and checks it.</summary>
    internal static bool TryTakeOffset(ref IReadOnlyDictionary<string, JsonElement>? arguments, out int offset, out string? problem)
    {
        offset = 0;
        problem = null;
        if (arguments is null || !arguments.TryGetValue(ResultBudget.OffsetArgument, out var value))
            return true;
        var rest = new Dictionary<string, JsonElement>(arguments.Count - 1, StringComparer.Ordinal);
        foreach (var (key, v) in arguments)
            if (key != ResultBudget.OffsetArgument)
                rest[key] = v;
        arguments = rest;
        if (value.ValueKind == JsonValueKind.Null)
            return true;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out offset) && offset is >= 0 and <= ResultBudget.MaxOffset)
            return true;
        problem = $"'{ResultBudget.OffsetArgument}' must be an integer from 0 to {ResultBudget.MaxOffset}, got {value.GetRawText()}";
        offset = 0;
        return false;
    }
}
