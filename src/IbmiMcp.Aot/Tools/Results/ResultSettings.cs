namespace IbmiMcp.Tools;

/// <summary>
/// The server-wide result rules the tools answer by: the <see cref="ResultBudget"/> (MCP_RESULT_MAX_ROWS,
/// MCP_RESULT_MAX_BYTES), the text format of result rows (MCP_RESULT_FORMAT, json | csv | markdown) for tools that do not
/// choose one, and the pool's row cap (IBMI_PAGINATION_MAX_ROWS), the most rows any fetch may ask for.
/// </summary>
internal sealed record ResultSettings(ResultBudget Budget, ResponseFormat Format, int PoolMaxRows)
{
    public static readonly ResultSettings Default = new(ResultBudget.Default, ResponseFormat.Json, 30_000);

    public static ResultSettings From(Configuration.ServerOptions options)
        => new(new ResultBudget(options.ResultMaxRows, options.ResultMaxBytes), options.ResultFormat, options.PaginationMaxRows);
}
