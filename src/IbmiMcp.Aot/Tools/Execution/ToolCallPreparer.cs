using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>
/// Validates arguments, binds them and runs the security checks on the exact text that will be sent (spec
/// §5.4–5.7). The statement was checked at load; when the bound text is that same string (no array was
/// expanded) the load verdict stands, otherwise the final text is checked again.
/// </summary>
internal static class ToolCallPreparer
{
    public static bool TryPrepare(SqlTool tool, IReadOnlyDictionary<string, JsonElement>? arguments, out ToolCall? call, out ToolFailure? failure)
    {
        var values = new ArgumentValue[tool.Parameters.Count];
        List<string>? errors = null;
        if (!ToolArgumentValidator.TryValidate(tool, arguments, values, ref errors))
        {
            call = null;
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
                call = null;
                failure = new ToolFailure("Security validation failed: " + verdict.Message, ToolErrorCodes.ValidationError, ToolFailureKind.Security, verdict.Violations);
                return false;
            }
        }

        // Fetch rules (spec §5.7): neither → one block of 100 rows; rowsToFetch N → one block of N;
        // fetchAllRows → pages of the pool's default size up to its cap; both → pages of N. Truncation is
        // reported either way (SqlResult.Truncated), unlike the reference's silent 100-row cap (#139).
        int? n = tool.RowsToFetch;
        call = new ToolCall
        {
            Tool = tool,
            Values = values,
            Command = new SqlCommand
            {
                Sql = sql,
                Parameters = bound.Parameters,
                Rows = n ?? 100,
                FetchAll = tool.FetchAllRows,
                PageSize = tool.FetchAllRows && n is int page ? page : 0,
                ClientTag = tool.Name,
            },
        };
        failure = null;
        return true;
    }
}
